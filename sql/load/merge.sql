-- One run's changes, applied inside a single transaction by newsetl.warehouse.
-- Bound relations: run_ctx(run_id, now), plan(key, etag, size, last_modified, change, process),
-- decisions(key, destination, reasons, warnings, content_sha256, source_encoding),
-- staged_articles, staged_paragraphs, staged_raw(key, raw), run_row, dq_rows.

-- A held object that is held again with the same bytes keeps its first quarantine time.
CREATE OR REPLACE TEMP TABLE prior_quarantine AS
SELECT key, etag, quarantined_at FROM quarantine
WHERE key IN (SELECT key FROM plan WHERE process);

-- Every processed key is replaced: its old article, paragraphs and quarantine row go first.
DELETE FROM paragraphs WHERE key IN (SELECT key FROM plan WHERE process);
DELETE FROM articles WHERE key IN (SELECT key FROM plan WHERE process);
DELETE FROM quarantine WHERE key IN (SELECT key FROM plan WHERE process);

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

-- Objects gone from the source keep their rows, marked.
UPDATE articles SET deleted_at = r.now
FROM run_ctx AS r
WHERE articles.deleted_at IS NULL
  AND articles.key IN (SELECT key FROM plan WHERE change = 'deleted');

UPDATE quarantine SET deleted_at = r.now
FROM run_ctx AS r
WHERE quarantine.deleted_at IS NULL
  AND quarantine.key IN (SELECT key FROM plan WHERE change = 'deleted');

INSERT INTO source_objects BY NAME
SELECT p.key, p.etag, p.size, p.last_modified, d.content_sha256,
       CASE d.destination WHEN 'articles' THEN 'loaded' ELSE 'quarantined' END AS status,
       r.run_id AS first_run_id, r.run_id AS last_run_id
FROM plan AS p
JOIN decisions AS d USING (key)
CROSS JOIN run_ctx AS r
WHERE p.process
ON CONFLICT (key) DO UPDATE SET
    etag = excluded.etag,
    size = excluded.size,
    last_modified = excluded.last_modified,
    content_sha256 = excluded.content_sha256,
    status = excluded.status,
    last_run_id = excluded.last_run_id;

UPDATE source_objects SET status = 'deleted', last_run_id = r.run_id
FROM run_ctx AS r
WHERE source_objects.key IN (SELECT key FROM plan WHERE change = 'deleted');
