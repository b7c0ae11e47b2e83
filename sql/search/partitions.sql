-- The partitions the current articles call for, each with the fingerprint of what it holds.
-- Every load stamps etag and loaded_at, so a reloaded article changes its partition's print;
-- title and language are in it too, for edits made by hand.
SELECT 'search_' || search_lang(language) || '_' || search_period(published_date) AS name,
       search_lang(language) AS lang,
       search_period(published_date) AS period,
       count(*) AS articles,
       bit_xor(hash(key, etag, loaded_at, title, language)) AS fingerprint
FROM articles_current
GROUP BY ALL
ORDER BY name;
