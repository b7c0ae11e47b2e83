-- Postings in row groups of 16,384 rows (DuckLake's default is 122,880): sorted by term, each
-- row group then spans few terms, and a query reads only the row groups of its own terms. A
-- migration of its own: DuckLake takes a table's options only once the table is committed.
CALL news.set_option(
    'parquet_row_group_size', 16384, schema => 'newsetl_internal', table_name => 'search_postings'
);
