-- Objects gone from the source keep their rows, marked, and leave search.
UPDATE articles SET deleted_at = r.now
FROM run_ctx AS r
WHERE articles.deleted_at IS NULL
  AND articles.key IN (SELECT key FROM gone);

UPDATE quarantine SET deleted_at = r.now
FROM run_ctx AS r
WHERE quarantine.deleted_at IS NULL
  AND quarantine.key IN (SELECT key FROM gone);

DELETE FROM source_objects WHERE key IN (SELECT key FROM gone);

INSERT INTO source_objects BY NAME
SELECT o.* REPLACE ('deleted' AS status, r.run_id AS last_run_id)
FROM prior_objects AS o
JOIN gone USING (key)
CROSS JOIN run_ctx AS r;

-- Their postings leave the term counts and the lists of common terms first.
INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, -count(*) AS df
FROM newsetl_internal.search_postings
WHERE doc IN (SELECT hash(key) FROM gone)
GROUP BY lang, term;

DELETE FROM newsetl_internal.search_top WHERE doc IN (SELECT hash(key) FROM gone);
DELETE FROM newsetl_internal.search_postings WHERE doc IN (SELECT hash(key) FROM gone);
INSERT INTO newsetl_internal.search_corpus BY NAME
SELECT -count(*) AS docs, -sum(length) AS length
FROM newsetl_internal.search_docs
WHERE key IN (SELECT key FROM gone)
HAVING count(*) > 0;

DELETE FROM newsetl_internal.search_docs WHERE key IN (SELECT key FROM gone);
