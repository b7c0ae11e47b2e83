-- Is data quality getting better or worse from run to run?
SELECT finished_at,
       run_id,
       run_status,
       suite,
       expectations,
       failed,
       critical_failed,
       round(pass_rate, 3) AS pass_rate,
       rows_validated,
       unexpected_total,
       round(unexpected_rate, 4) AS unexpected_rate
FROM dq_trend
ORDER BY finished_at DESC, suite
LIMIT 60;
