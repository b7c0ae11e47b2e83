-- Search is maintained in the same snapshot: a document's length here, its postings batch by
-- batch of staged chunks (load/insert_postings.sql), and the corpus totals BM25 needs as a row
-- of changes (migrations/010_search_lists.sql).
CREATE OR REPLACE TEMP TABLE new_search_docs AS
SELECT hash(s.key) AS doc, s.key, s.lang, s.length, a.title, a.published_date, a.language
FROM staged_search_docs AS s
JOIN staged_articles AS a USING (key)
JOIN decisions AS d USING (key)
WHERE d.destination = 'articles';

INSERT INTO newsetl_internal.search_docs BY NAME SELECT * FROM new_search_docs;

INSERT INTO newsetl_internal.search_corpus BY NAME
SELECT count(*) AS docs, sum(length) AS length FROM new_search_docs HAVING count(*) > 0;
