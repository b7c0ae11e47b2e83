-- The five most mentioned entities of each week, per language.
SELECT week, language, name, kind, mentions, articles
FROM entity_weekly
QUALIFY row_number() OVER (PARTITION BY week, language ORDER BY mentions DESC, name) <= 5
ORDER BY week DESC, language, mentions DESC;
