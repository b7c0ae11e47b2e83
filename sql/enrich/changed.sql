-- The keys an enrichment has to look at: every key whose article row was inserted, updated or
-- deleted between the snapshot the last enrichment read and now (DuckLake's change feed; an
-- update of deleted_at shows up too). Parameters: $from, $to snapshots.
SELECT DISTINCT key
FROM ducklake_table_changes('news', 'main', 'articles', $from, $to);
