-- The daily report's first chart: current articles per publication day and language, over the
-- $days days up to the newest publication date that is not in the future (so a warehouse that
-- stopped receiving news still shows its last weeks). Undated articles are left out; articles
-- without a language count as 'unknown'.
WITH newest AS (
    SELECT max(published_date) AS day
    FROM articles_current
    WHERE published_date <= current_date + 1
)
SELECT a.published_date AS day,
       coalesce(a.language, 'unknown') AS language,
       count(*) AS articles
FROM articles_current AS a, newest AS n
WHERE a.published_date > n.day - CAST($days AS INTEGER)
  AND a.published_date <= n.day
GROUP BY ALL
ORDER BY day, language;
