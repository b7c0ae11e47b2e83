-- The run's new rows: articles with their paragraphs and search postings, the quarantine with
-- raw bytes, and the source state of every processed object.
INSERT INTO articles BY NAME
SELECT a.*, d.warnings, p.etag, r.run_id, r.now AS loaded_at, NULL::TIMESTAMPTZ AS deleted_at
FROM staged_articles AS a
JOIN decisions AS d USING (key)
JOIN plan AS p USING (key)
CROSS JOIN run_ctx AS r
WHERE d.destination = 'articles';

INSERT INTO paragraphs BY NAME
SELECT sp.key, sp.position, sp.text
FROM staged_paragraphs AS sp
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles';

INSERT INTO quarantine BY NAME
SELECT d.key, p.etag, d.content_sha256, d.reasons, s.raw, d.source_encoding, p.size,
       r.run_id,
       CASE WHEN q.etag = p.etag THEN q.quarantined_at ELSE r.now END AS quarantined_at,
       NULL::TIMESTAMPTZ AS deleted_at
FROM decisions AS d
JOIN plan AS p USING (key)
JOIN staged_raw AS s USING (key)
LEFT JOIN prior_quarantine AS q USING (key)
CROSS JOIN run_ctx AS r
WHERE d.destination = 'quarantine';

INSERT INTO source_objects BY NAME
SELECT p.key, coalesce(r.source, o.source) AS source, p.etag, p.size, p.last_modified,
       d.content_sha256,
       CASE d.destination WHEN 'articles' THEN 'loaded' ELSE 'quarantined' END AS status,
       coalesce(o.first_run_id, r.run_id) AS first_run_id, r.run_id AS last_run_id
FROM plan AS p
JOIN decisions AS d USING (key)
LEFT JOIN prior_objects AS o USING (key)
CROSS JOIN run_ctx AS r
WHERE p.process;

