-- A batch's postings at or above a list's bound, added to the list (every posting of a listed
-- term at or above its bound is listed: migrations/010_search_lists.sql), after
-- load/insert_postings.sql inserted them. Run only where some list exists (newsetl.search.lists.add_batch). Only inserts.
-- Bound relations: chunk_postings(key, lang, term, tf, length), decisions.
INSERT INTO newsetl_internal.search_top BY NAME
SELECT s.lang, s.term, hash(s.key) AS doc, s.tf, s.length
FROM chunk_postings AS s
JOIN decisions AS d USING (key)
JOIN newsetl_internal.search_lists AS l ON s.lang = l.lang AND s.term = l.term
WHERE d.destination = 'articles'
  AND newsetl_internal.saturation(s.tf, s.length, l.avgdl) >= l.bound;
