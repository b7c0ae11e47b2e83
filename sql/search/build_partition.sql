-- One search partition: its table and its fts index. A template: newsetl.search fills in
-- table (search_<lang>_<period>), lang (ru | kk) and stemmer (russian | none).
CREATE OR REPLACE TABLE $table AS
SELECT key, title, body FROM search_stage WHERE name = '$table';

PRAGMA create_fts_index(
    '$table', 'key', 'title', 'body',
    stemmer = '$stemmer', stopwords = 'search_stopwords_$lang', ignore = '[^\p{L}\p{N}]+',
    strip_accents = 0, lower = 1, overwrite = 1
);
