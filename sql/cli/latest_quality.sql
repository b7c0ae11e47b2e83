-- `newsetl report`: every expectation outcome of one run, failures first.
SELECT suite, expectation, severity, success, element_count AS rows, unexpected_count AS unexpected,
       round(unexpected_percent, 2) AS "unexpected %"
FROM dq_results
WHERE run_id = $run_id
ORDER BY success, severity, suite, expectation;
