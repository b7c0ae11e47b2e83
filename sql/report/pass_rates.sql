-- The daily report's second chart: the share of expectations that passed, per run and suite,
-- for the newest $runs ingest runs (quarantine retries included), oldest first.
WITH recent AS (
    SELECT run_id
    FROM ingest_runs
    ORDER BY started_at DESC, run_id DESC
    LIMIT $runs
)
SELECT t.started_at,
       t.run_id,
       t.run_status,
       t.suite,
       t.expectations,
       t.succeeded,
       t.pass_rate
FROM dq_trend AS t
WHERE t.run_id IN (SELECT run_id FROM recent)
ORDER BY t.started_at, t.run_id, t.suite;
