-- The daily report's fourth chart: the $top most mentioned entities of each week and language
-- (entity_weekly, sql/migrations/006_enrichment.sql), over the $weeks weeks up to the newest
-- week with a mention that is not in the future. Articles without a language count as
-- 'unknown'; an entity is named in the language of the row (its Kazakh name in the Kazakh press
-- when it has one); a tie in mentions is broken by the name.
WITH newest AS (
    SELECT max(week) AS week
    FROM entity_weekly
    WHERE week <= current_date
),
ranked AS (
    SELECT CAST(w.week AS DATE) AS week,
           coalesce(w.language, 'unknown') AS language,
           CASE WHEN w.language = 'kk' THEN coalesce(e.name_kk, w.name)
                WHEN w.language = 'ru' THEN coalesce(e.name_ru, w.name)
                ELSE w.name END AS name,
           w.kind,
           w.mentions,
           w.articles,
           row_number() OVER (
               PARTITION BY w.week, coalesce(w.language, 'unknown')
               ORDER BY w.mentions DESC, w.name
           ) AS rank
    FROM entity_weekly AS w
    JOIN entities AS e USING (entity_id), newest AS n
    WHERE w.week > n.week - to_weeks(CAST($weeks AS INTEGER))
      AND w.week <= n.week
)
SELECT week, language, rank, name, kind, mentions, articles
FROM ranked
WHERE rank <= $top
ORDER BY week, language, rank;
