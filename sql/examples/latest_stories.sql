-- The newest stories: one event each, told by any number of articles in either language, with
-- the start of its title in each language that covered it.
SELECT first_date, last_date, array_to_string(languages, ' ') AS languages,
       article_count AS articles, left(title_kk, 40) AS title_kk, left(title_ru, 40) AS title_ru
FROM stories
ORDER BY last_date DESC NULLS LAST, article_count DESC, story_id
LIMIT 20;
