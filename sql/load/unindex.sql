-- Articles that leave search (replaced by a new text, or gone from the source): their postings
-- leave the term counts and the lists of common terms first, their length the corpus totals,
-- then their postings and their search row.
-- Bound relation: leaving(key) (newsetl.lake.commit: the run's `replaced` or `gone`).
INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, -count(*) AS df
FROM newsetl_internal.search_postings
WHERE doc IN (SELECT hash(key) FROM leaving)
GROUP BY lang, term;

DELETE FROM newsetl_internal.search_top WHERE doc IN (SELECT hash(key) FROM leaving);
DELETE FROM newsetl_internal.search_postings WHERE doc IN (SELECT hash(key) FROM leaving);

INSERT INTO newsetl_internal.search_corpus BY NAME
SELECT -count(*) AS docs, -sum(length) AS length
FROM newsetl_internal.search_docs
WHERE key IN (SELECT key FROM leaving)
HAVING count(*) > 0;

DELETE FROM newsetl_internal.search_docs WHERE key IN (SELECT key FROM leaving);
