-- `newsetl report`: the rows of run $run_id that are still as that run left them, with the
-- expectations each failed: held in the quarantine (critical) or loaded with warnings.
SELECT unnest(reasons) AS expectation, key
FROM quarantine
WHERE run_id = $run_id
UNION ALL
SELECT unnest(warnings) AS expectation, key
FROM articles
WHERE run_id = $run_id
ORDER BY expectation, key;
