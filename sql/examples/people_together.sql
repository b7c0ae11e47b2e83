-- The people named together in the most articles.
SELECT person, with_person, articles
FROM people_together
ORDER BY articles DESC, person
LIMIT 20;
