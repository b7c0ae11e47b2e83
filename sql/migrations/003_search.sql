-- Full-text search kept in the lake beside the articles and maintained in the same snapshot as
-- they are: one row per indexed article and one per (article, stemmed term). Internal objects
-- live in their own schema; analysts use the search_articles(q) macro (sql/search/macros.sql).
CREATE SCHEMA IF NOT EXISTS newsetl_internal;

-- One row per current article: what BM25 needs, and what search_articles returns, so that a
-- query reads two tables only.
CREATE TABLE newsetl_internal.search_docs (
    doc            UBIGINT NOT NULL,  -- hash(key)
    key            VARCHAR NOT NULL,
    lang           VARCHAR NOT NULL,  -- the index: ru (Snowball Russian) or kk (everything else)
    length         INTEGER NOT NULL,  -- indexed tokens, for BM25's length normalisation
    title          VARCHAR,
    published_date DATE,
    language       VARCHAR
);

CREATE TABLE newsetl_internal.search_postings (
    lang VARCHAR NOT NULL,
    term VARCHAR NOT NULL,    -- a stemmed token
    doc  UBIGINT NOT NULL,
    tf   INTEGER NOT NULL     -- how often the term occurs in the article's title and body
);

-- Every insert and every merge of small files writes the postings sorted by term (and in small
-- row groups: 004_search_row_groups.sql): a query's few terms then fall in few row groups, whose
-- statistics let the rest be skipped.
ALTER TABLE newsetl_internal.search_postings SET SORTED BY (term);

-- What the query macros (sql/search/macros.sql) were last built from: newsetl.search.install
-- builds them again when the stopwords, the Kazakh suffix tables or the macros change.
CREATE TABLE newsetl_internal.search_meta (fingerprint VARCHAR NOT NULL);
