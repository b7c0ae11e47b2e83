-- `newsetl report`: the latest run's counts.
SELECT run_id, status, source, strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at,
       listed, ignored, unchanged, new, changed, refreshed, deleted, loaded, quarantined, warnings,
       message
FROM ingest_runs
ORDER BY finished_at DESC, run_id DESC
LIMIT 1;
