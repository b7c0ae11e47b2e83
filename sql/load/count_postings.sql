-- A batch's postings in the per-term statistics (migrations/010_search_lists.sql), after
-- load/insert_postings.sql inserted them: how many articles each term gained, and, for a term
-- with a list, the postings at or above its bound added to it. Only inserts: a run of new
-- articles stays insert-only.
-- Bound relations: chunk_postings(key, lang, term, tf, length), decisions. Variable:
-- search_lists_exist (none do in a new lake: its first run skips the join).
CREATE OR REPLACE TEMP TABLE batch_terms AS
SELECT s.lang, s.term, count(*) AS n
FROM chunk_postings AS s
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles'
GROUP BY s.lang, s.term;

INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, n AS df FROM batch_terms;

INSERT INTO newsetl_internal.search_top BY NAME
SELECT s.lang, s.term, hash(s.key) AS doc, s.tf, s.length
FROM chunk_postings AS s
JOIN decisions AS d USING (key)
JOIN newsetl_internal.search_lists AS l ON s.lang = l.lang AND s.term = l.term
WHERE getvariable('search_lists_exist')
  AND d.destination = 'articles'
  AND newsetl_internal.saturation(s.tf, s.length, l.avgdl) >= l.bound;
