-- search_articles('query words'): every current article matching any word, best first.
-- A template: `hits` is one `SELECT key, score` per partition (sql/search/hits.sql), joined with
-- UNION ALL. Scores come from each partition's own document statistics, so they rank well within
-- a language and month and roughly across them. Needs the fts extension in the session
-- (autoloaded where it is installed; otherwise INSTALL '<path>'; LOAD fts).
CREATE OR REPLACE MACRO search_articles(q) AS TABLE
WITH hits AS (
    $hits
)
SELECT a.key, a.title, a.published_date, a.language, h.score
FROM hits AS h
JOIN articles_current AS a ON a.key = h.key
WHERE h.score IS NOT NULL
ORDER BY h.score DESC, a.published_date DESC NULLS LAST, a.key;
