-- A batch of staged chunks' search postings, one row per article and stemmed term, with the
-- article's indexed length (migrations/008_search_lengths.sql). newsetl.lake.commit inserts them
-- batch by batch (at most POSTINGS_ROWS_PER_INSERT rows each) within the run's transaction:
-- DuckLake sorts each insert by language and term (the table's sort key),
-- and one batch's sort fits in memory whatever the size of the run.
-- Bound relations: chunk_postings(key, lang, term, tf, length), decisions.
INSERT INTO newsetl_internal.search_postings BY NAME
SELECT s.lang, s.term, hash(s.key) AS doc, s.tf, s.length
FROM chunk_postings AS s
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles';
