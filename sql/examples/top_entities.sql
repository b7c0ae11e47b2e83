-- Who and what the news is about: the most mentioned people, organisations and places, each one
-- entity across Kazakh and Russian and all case forms (Тоқаевтың, Токаева, Тоқаев).
SELECT e.name_kk, e.name_ru, d.kind,
       count(*) AS mentions,
       count(DISTINCT d.key) AS articles,
       array_to_string(list_sort(list_distinct(list(d.language))), ' ') AS languages
FROM entity_mentions_dated AS d
JOIN entities AS e USING (entity_id)
GROUP BY ALL
ORDER BY mentions DESC, d.kind, e.name_ru, e.name_kk
LIMIT 20;
