-- Per-term statistics kept beside the postings, so that the first page of a common word reads a
-- few thousand rows whatever the size of the archive (search_articles(q, k), sql/search/macros.sql).
--
-- search_counts: one row per term and per batch of a run that added or removed its postings (and
-- one per term after `newsetl maintain` folds them): df is the change in how many articles hold
-- the term, so a term's document frequency is sum(df).
CREATE TABLE newsetl_internal.search_counts (
    lang VARCHAR NOT NULL,
    term VARCHAR NOT NULL,
    df   BIGINT NOT NULL
);
ALTER TABLE newsetl_internal.search_counts SET SORTED BY (lang, term);

-- search_corpus: the corpus totals BM25 needs (how many articles are indexed, their indexed
-- length summed), as rows of changes like search_counts: a query sums a few rows instead of
-- reading the length of every article.
CREATE TABLE newsetl_internal.search_corpus (
    docs   BIGINT NOT NULL,
    length BIGINT NOT NULL
);

-- search_lists: for a common term, a bound on the saturated frequency of its postings (BM25's
-- tf part at the average length avgdl): every posting of the term at or above it is in
-- search_top, so a posting not listed there weighs less than the bound.
CREATE TABLE newsetl_internal.search_lists (
    lang  VARCHAR NOT NULL,
    term  VARCHAR NOT NULL,
    bound DOUBLE NOT NULL,
    avgdl DOUBLE NOT NULL
);

-- search_top: the listed postings, as search_postings holds them; runs add their postings at or
-- above the bound and remove those of the articles they replace or delete.
CREATE TABLE newsetl_internal.search_top (
    lang   VARCHAR NOT NULL,
    term   VARCHAR NOT NULL,
    doc    UBIGINT NOT NULL,
    tf     INTEGER NOT NULL,
    length INTEGER NOT NULL
);
ALTER TABLE newsetl_internal.search_top SET SORTED BY (lang, term);

-- A lake indexed before this migration: its totals and frequencies, counted once. Lists come with
-- the next `newsetl maintain`.
INSERT INTO newsetl_internal.search_corpus BY NAME
SELECT count(*) AS docs, sum(length) AS length FROM newsetl_internal.search_docs HAVING count(*) > 0;

INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, count(*) AS df
FROM newsetl_internal.search_postings
GROUP BY lang, term;

-- With common terms read from their lists, a query reads search_postings for rare terms only,
-- one term per scan: what costs then is checking every row group's statistics (about 5 µs each,
-- and a lake of 400,000 articles holds 4,500 row groups of 16,384 postings), not the rows a
-- rare term spans. So postings are sorted by language, then term (a term of one language is
-- not interleaved with the same string in the other), in row groups of 122,880 rows again
-- (DuckLake's default); `newsetl maintain`'s merge rewrites older files so. A single-term count
-- on 74 million postings in one file: 33-39 ms in row groups of 16,384, 3-4 ms in 122,880.
ALTER TABLE newsetl_internal.search_postings SET SORTED BY (lang, term);
CALL news.set_option(
    'parquet_row_group_size', 122880, schema => 'newsetl_internal', table_name => 'search_postings'
);

-- The page's rows are read from search_docs by their doc: sorted by it, in row groups of 2,048
-- rows, the row groups' statistics leave a page's 20 rows in at most 20 row groups.
ALTER TABLE newsetl_internal.search_docs SET SORTED BY (doc);
CALL news.set_option(
    'parquet_row_group_size', 2048, schema => 'newsetl_internal', table_name => 'search_docs'
);
