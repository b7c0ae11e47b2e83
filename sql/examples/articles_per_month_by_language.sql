-- How many articles per month, in each language?
SELECT date_trunc('month', published_date)::DATE AS month,
       language,
       count(*) AS articles
FROM articles
WHERE deleted_at IS NULL
GROUP BY ALL
ORDER BY month NULLS LAST, language;
