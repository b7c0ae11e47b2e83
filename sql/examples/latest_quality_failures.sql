-- Which expectations failed in the latest validated run, and on how many rows?
SELECT run_id, run_status, finished_at, suite, expectation, severity, column_name,
       unexpected_count, element_count, round(unexpected_percent, 2) AS unexpected_percent
FROM dq_latest
WHERE NOT success
ORDER BY severity, unexpected_count DESC, suite, expectation;
