-- The articles an enrichment reads, bound as `wanted(key)`: title, date, language and the
-- body's paragraphs in order.
SELECT a.key, a.language, a.published_date, a.title,
       list(p.text ORDER BY p.position) FILTER (WHERE p.text IS NOT NULL) AS paragraphs
FROM articles_current AS a
JOIN wanted USING (key)
LEFT JOIN paragraphs AS p ON p.key = a.key
GROUP BY ALL;
