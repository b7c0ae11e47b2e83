-- The newest articles with their source and size.
SELECT published_date, language, left(title, 40) AS title, paragraph_count, word_count
FROM articles
WHERE deleted_at IS NULL
ORDER BY published_date DESC NULLS LAST, key
LIMIT 10;
