-- Layout drift's baseline (newsetl.drift): per source prefix (a key's first folder), the current
-- articles loaded in the last $days days, how many have a publication date, how many a title
-- under $title_limit characters, and their head and tail lines with how many of them were of no
-- known class (NULL when none of those articles recorded its lines).
SELECT CASE WHEN contains(key, '/') THEN split_part(key, '/', 1) ELSE '' END AS prefix,
       count(*) AS articles,
       count(published_date) AS dated,
       count(*) FILTER (WHERE length(title) < $title_limit) AS short_title,
       sum(frame_lines) AS frame_lines,
       sum(unknown_lines) AS unknown_lines
FROM articles_current
WHERE loaded_at >= now() - to_days(CAST($days AS INTEGER))
GROUP BY ALL
ORDER BY prefix;
