-- Which articles are about diplomats and diplomacy, in either language? Full-text search: any
-- Russian word form matches (дипломатия finds дипломатами), Kazakh words match as written.
-- Needs the fts extension (autoloaded where installed; else INSTALL '<path to
-- fts.duckdb_extension>'; LOAD fts). k := 20 asks for the first page only: the same 20 rows as
-- the full ranking's first 20, scoring only the articles that can reach them.
SELECT key, title, published_date, language, round(score, 3) AS score
FROM search_articles('дипломатия дипломатов', k := 20);
