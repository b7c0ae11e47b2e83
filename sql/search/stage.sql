-- The text of the partitions to rebuild next, in one pass over the articles, sorted by partition so
-- that each partition's table reads a narrow slice. A plain table (dropped afterwards), so that
-- the cursors building partitions in parallel see it. Bound relation: stale(name).
CREATE OR REPLACE TABLE search_stage AS
SELECT 'search_' || search_lang(language) || '_' || search_period(published_date) AS name,
       key,
       search_strip_marks(title) AS title,
       search_strip_marks(body) AS body
FROM articles_current
WHERE 'search_' || search_lang(language) || '_' || search_period(published_date)
      IN (SELECT name FROM stale)
ORDER BY name, key;
