-- `newsetl report` and `newsetl status`: runs as recorded, newest first: the one named $run_id,
-- or (with $run_id NULL) the newest $limit.
SELECT *
FROM ingest_runs
WHERE $run_id IS NULL OR run_id = $run_id
ORDER BY finished_at DESC, run_id DESC
LIMIT $limit;
