-- Objects gone from the source keep their rows, marked (they leave search by load/unindex.sql).
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
