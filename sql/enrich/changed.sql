-- The keys an enrichment reads when the snapshots since the last one were expired (by
-- `newsetl maintain`), so DuckLake's change feed cannot say what changed: articles loaded since
-- the last enrichment started, and enriched keys that are gone or were reloaded since.
SELECT key FROM articles
WHERE loaded_at >= (SELECT max(started_at) FROM enrich_runs)
UNION
SELECT key FROM newsetl_internal.enrich_signatures
EXCEPT
SELECT key FROM articles_current
WHERE loaded_at < (SELECT max(started_at) FROM enrich_runs);
