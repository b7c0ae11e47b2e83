-- The expectations one run failed ($run_id), critical first.
SELECT suite, expectation, column_name, severity, unexpected_count, unexpected_percent
FROM dq_results
WHERE run_id = $run_id AND NOT success
ORDER BY severity = 'critical' DESC, severity, suite, expectation, column_name;
