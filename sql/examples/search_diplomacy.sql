-- Which articles are about diplomats and diplomacy, in either language? Full-text search: any
-- Russian word form matches (дипломатия finds дипломатами), Kazakh words match as written.
-- Needs the fts extension (autoloaded where installed; else INSTALL '<path to
-- fts.duckdb_extension>'; LOAD fts).
SELECT key, title, published_date, language, round(score, 3) AS score
FROM search_articles('дипломатия дипломатов')
LIMIT 20;
