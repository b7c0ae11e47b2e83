-- Every processed key the warehouse holds already loses its old rows (its search rows leave by
-- load/unindex.sql).
DELETE FROM paragraphs WHERE key IN (SELECT key FROM replaced);
DELETE FROM articles WHERE key IN (SELECT key FROM replaced);
DELETE FROM quarantine WHERE key IN (SELECT key FROM replaced);
DELETE FROM source_objects WHERE key IN (SELECT key FROM replaced);
