-- A batch's postings in the per-term counts (migrations/010_search_lists.sql), after
-- load/insert_postings.sql inserted them: how many articles each term gained. For a batch of
-- frames (bench/search_lake.py, `newsetl migrate-warehouse`); a run's parse workers count their
-- chunks' terms instead (load/count_terms.sql). Only inserts.
-- Bound relations: chunk_postings(key, lang, term, tf, length), decisions.
INSERT INTO newsetl_internal.search_counts BY NAME
SELECT s.lang, s.term, count(*) AS df
FROM chunk_postings AS s
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles'
GROUP BY s.lang, s.term;
