-- Expectation outcomes of the newest $runs ingest runs, newest first: how many were evaluated,
-- how many passed, and the failures by severity. Runs without dq_results count zero.
WITH recent AS (
    SELECT run_id, started_at, status, loaded, quarantined
    FROM ingest_runs
    ORDER BY started_at DESC, run_id DESC
    LIMIT $runs
)
SELECT
    r.run_id,
    r.started_at,
    r.status,
    r.loaded,
    r.quarantined,
    count(d.run_id) AS evaluated,
    count(d.run_id) FILTER (WHERE d.success) AS passed,
    count(d.run_id) FILTER (WHERE NOT d.success AND d.severity = 'critical') AS failed_critical,
    count(d.run_id) FILTER (WHERE NOT d.success AND d.severity = 'warning') AS failed_warning
FROM recent AS r
LEFT JOIN dq_results AS d ON d.run_id = r.run_id
GROUP BY r.run_id, r.started_at, r.status, r.loaded, r.quarantined
ORDER BY r.started_at DESC, r.run_id DESC;
