-- Which sections published most in the last 30 days of data, per language?
-- (Counted back from the newest publication date, so it also answers on an old snapshot.)
SELECT language,
       coalesce(section, '(none)') AS section,
       sum(articles) AS articles,
       sum(words) AS words,
       min(published_date) AS first_day,
       max(published_date) AS last_day
FROM articles_daily
WHERE published_date > (SELECT max(published_date) FROM articles_daily) - INTERVAL 30 DAY
GROUP BY ALL
ORDER BY articles DESC, language, section;
