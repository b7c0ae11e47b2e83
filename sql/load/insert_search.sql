-- Search is maintained in the same snapshot: a document's length here, its postings batch by
-- batch of staged chunks (load/insert_postings.sql).
INSERT INTO newsetl_internal.search_docs BY NAME
SELECT hash(s.key) AS doc, s.key, s.lang, s.length, a.title, a.published_date, a.language
FROM staged_search_docs AS s
JOIN staged_articles AS a USING (key)
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles';
