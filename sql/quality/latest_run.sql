-- The newest ingest run: its counts, status and message.
SELECT
    run_id, flow_run_id, source, started_at, finished_at, status, message,
    listed, ignored, unchanged, new, changed, refreshed, deleted, loaded, quarantined, warnings
FROM ingest_runs
ORDER BY started_at DESC, run_id DESC
LIMIT 1;
