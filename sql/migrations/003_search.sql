-- Full-text search kept in the lake beside the articles and maintained in the same snapshot as
-- they are: one row per indexed article and one per (article, stemmed term). Internal objects
-- live in their own schema; analysts use the search_articles(q) macro (sql/search/macros.sql).
CREATE SCHEMA IF NOT EXISTS newsetl_internal;

CREATE TABLE newsetl_internal.search_docs (
    doc    UBIGINT NOT NULL,  -- hash(key)
    key    VARCHAR NOT NULL,
    lang   VARCHAR NOT NULL,  -- the index language: ru (Snowball Russian) or kk (everything else)
    length INTEGER NOT NULL   -- indexed tokens, for BM25's length normalisation
);

CREATE TABLE newsetl_internal.search_postings (
    lang VARCHAR NOT NULL,
    term VARCHAR NOT NULL,    -- a stemmed token
    doc  UBIGINT NOT NULL,
    tf   INTEGER NOT NULL     -- how often the term occurs in the article's title and body
);

-- Every insert and every merge of small files writes the postings sorted by term: a query's few
-- terms then fall in few row groups, whose statistics let the rest be skipped.
ALTER TABLE newsetl_internal.search_postings SET SORTED BY (term);

-- What the query side needs to tokenise and stem exactly as the indexer did (newsetl.search):
-- stopwords, the Kazakh suffix chains and their parameters. Filled by newsetl.search.install.
CREATE TABLE newsetl_internal.search_stopwords (lang VARCHAR NOT NULL, word VARCHAR NOT NULL);

CREATE TABLE newsetl_internal.kk_suffixes (suffix VARCHAR NOT NULL, length INTEGER NOT NULL);

CREATE TABLE newsetl_internal.kk_final (letter VARCHAR NOT NULL, replacement VARCHAR NOT NULL);

CREATE TABLE newsetl_internal.kk_params (min_stem INTEGER NOT NULL, vowels VARCHAR NOT NULL);

CREATE TABLE newsetl_internal.search_meta (fingerprint VARCHAR NOT NULL);
