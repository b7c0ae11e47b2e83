-- One chunk's search postings, one row per article and stemmed term. newsetl.warehouse inserts
-- them chunk by chunk within the run's transaction: DuckLake sorts each insert by term (the
-- table's sort key), and one chunk's sort fits in memory whatever the size of the run.
-- Bound relations: chunk_postings(key, lang, term, tf), decisions.
INSERT INTO newsetl_internal.search_postings BY NAME
SELECT s.lang, s.term, hash(s.key) AS doc, s.tf
FROM chunk_postings AS s
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles';
