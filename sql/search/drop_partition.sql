-- A partition no current article belongs to any more: its fts index (a schema of its own) and
-- its table. A template: table as in build_partition.sql.
DROP SCHEMA IF EXISTS fts_main_$table CASCADE;

DROP TABLE IF EXISTS $table;
