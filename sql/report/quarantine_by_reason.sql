-- The daily report's third chart: objects sent to quarantine per day and reason, over the $days
-- days up to the newest run. A reason is a critical row-level expectation of the articles suite
-- (the names in quarantine.reasons); an object failing two counts under both. Read from
-- dq_results, which keeps every run, rather than from the quarantine, which forgets what has
-- left it. Only completed ingest runs count: a run failed by the quality gate quarantines
-- nothing, and a quarantine retry re-judges objects already held.
WITH newest AS (
    SELECT max(started_at) AS at
    FROM ingest_runs
)
SELECT CAST(r.started_at AS DATE) AS day,
       d.expectation AS reason,
       sum(d.unexpected_count) AS objects
FROM dq_results AS d
JOIN ingest_runs AS r USING (run_id), newest AS n
WHERE r.status = 'completed'
  AND NOT starts_with(r.source, 'quarantine://')
  AND d.suite = 'articles'
  AND d.severity = 'critical'
  AND NOT d.success
  AND d.unexpected_count > 0
  AND r.started_at > n.at - to_days(CAST($days AS INTEGER))
GROUP BY ALL
ORDER BY day, reason;
