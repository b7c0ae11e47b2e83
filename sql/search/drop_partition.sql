-- A partition no current article belongs to any more. A template: table as in build_partition.
PRAGMA drop_fts_index('$table');

DROP TABLE IF EXISTS $table;
