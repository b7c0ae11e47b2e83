-- Which articles changed between two runs: every row inserted or deleted after the snapshot of
-- one run, up to and including the snapshot of a later one (an update shows as a delete and an
-- insert). Parameters: the two runs' snapshot ids, from ingest_runs.snapshot_id.
SELECT c.change_type, c.key, c.title, c.snapshot_id
FROM ducklake_table_changes('news', 'main', 'articles', $from_snapshot + 1, $to_snapshot) AS c
ORDER BY c.key, c.snapshot_id, c.change_type;
