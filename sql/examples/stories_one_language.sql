-- Events only one language's press covered, the largest first.
SELECT story_id, first_date, languages, article_count, coalesce(title_kk, title_ru) AS title
FROM stories_one_language
ORDER BY article_count DESC, first_date DESC
LIMIT 20;
