-- The lists of common terms (010_search_lists.sql) are read by term only, a few thousand rows at a
-- time: row groups of 16,384 rows keep that read to them. A migration of its own: DuckLake takes
-- a table's options only once the table is committed.
CALL news.set_option(
    'parquet_row_group_size', 16384, schema => 'newsetl_internal', table_name => 'search_top'
);
