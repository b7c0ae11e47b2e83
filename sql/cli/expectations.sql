-- `newsetl report`: every expectation outcome of run $run_id, failures first, critical first.
SELECT suite, expectation, expectation_type, column_name, severity, success, element_count,
       unexpected_count, round(unexpected_percent, 2) AS unexpected_percent, details
FROM dq_results
WHERE run_id = $run_id
ORDER BY success, severity = 'critical' DESC, severity, suite, expectation;
