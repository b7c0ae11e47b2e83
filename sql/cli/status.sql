-- `newsetl status`: the last completed run (how fresh the warehouse is) and the quarantine's
-- oldest held object, in one row.
WITH completed AS (
    SELECT run_id, finished_at
    FROM ingest_runs
    WHERE status = 'completed'
    ORDER BY finished_at DESC, run_id DESC
    LIMIT 1
),
held AS (
    SELECT key, reasons, run_id, quarantined_at
    FROM quarantine
    WHERE deleted_at IS NULL
    ORDER BY quarantined_at, key
    LIMIT 1
)
SELECT (SELECT run_id FROM completed) AS last_completed_run_id,
       (SELECT finished_at FROM completed) AS last_completed_at,
       (SELECT count(*) FROM quarantine WHERE deleted_at IS NULL) AS held,
       (SELECT key FROM held) AS oldest_key,
       (SELECT reasons FROM held) AS oldest_reasons,
       (SELECT run_id FROM held) AS oldest_run_id,
       (SELECT quarantined_at FROM held) AS oldest_quarantined_at;
