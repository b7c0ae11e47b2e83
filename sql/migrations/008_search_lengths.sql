-- Each posting carries its article's indexed length, so that a posting's share of a BM25 score is
-- computed from the postings alone: search_articles (sql/search/macros.sql) then reads
-- search_docs only for the rows it returns, and its first page (k := 20) scores only the
-- articles that can reach it.
ALTER TABLE newsetl_internal.search_postings ADD COLUMN length INTEGER;

UPDATE newsetl_internal.search_postings SET length = d.length
FROM newsetl_internal.search_docs AS d
WHERE search_postings.doc = d.doc;
