-- Every processed key the warehouse holds already loses its old rows, search postings included.
DELETE FROM paragraphs WHERE key IN (SELECT key FROM replaced);
DELETE FROM articles WHERE key IN (SELECT key FROM replaced);
DELETE FROM quarantine WHERE key IN (SELECT key FROM replaced);
DELETE FROM source_objects WHERE key IN (SELECT key FROM replaced);
DELETE FROM newsetl_internal.search_postings WHERE doc IN (SELECT hash(key) FROM replaced);
DELETE FROM newsetl_internal.search_docs WHERE key IN (SELECT key FROM replaced);
