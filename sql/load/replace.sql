-- Every processed key the warehouse holds already loses its old rows, search postings included.
DELETE FROM paragraphs WHERE key IN (SELECT key FROM replaced);
DELETE FROM articles WHERE key IN (SELECT key FROM replaced);
DELETE FROM quarantine WHERE key IN (SELECT key FROM replaced);
DELETE FROM source_objects WHERE key IN (SELECT key FROM replaced);
-- Their postings leave the term counts and the lists of common terms first.
INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, -count(*) AS df
FROM newsetl_internal.search_postings
WHERE doc IN (SELECT hash(key) FROM replaced)
GROUP BY lang, term;

DELETE FROM newsetl_internal.search_top WHERE doc IN (SELECT hash(key) FROM replaced);
DELETE FROM newsetl_internal.search_postings WHERE doc IN (SELECT hash(key) FROM replaced);
INSERT INTO newsetl_internal.search_corpus BY NAME
SELECT -count(*) AS docs, -sum(length) AS length
FROM newsetl_internal.search_docs
WHERE key IN (SELECT key FROM replaced)
HAVING count(*) > 0;

DELETE FROM newsetl_internal.search_docs WHERE key IN (SELECT key FROM replaced);
