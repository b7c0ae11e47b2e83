-- Rebuild the full-text search over articles_current: two small tables, one fts index each, and
-- the search_articles(q) table macro that unions them. Applied by newsetl.search after
-- sql/search/stopwords.sql, with the fts extension loaded; safe inside the load transaction.
--
-- Russian articles are stemmed with Snowball 'russian'. Everything else (Kazakh, and any other or
-- unknown language) is indexed lowercased without a stemmer: Snowball has no Kazakh.
-- Tokens are split on anything that is not a Unicode letter or digit. The regex in the fts docs,
-- '(\\.|[^a-z])+', deletes every Cyrillic letter; the default of fts 1.5.5 (a list of ASCII
-- punctuation) keeps them but leaves « » — “ ” № glued to words and drops digits. strip_accents
-- is off: it folds й to и, which breaks the Russian stemmer's adjective endings (Snowball folds
-- ё to е itself).

-- No combining marks (stress accents) or format characters (soft hyphens), on the indexed text
-- and on every query, so both sides tokenize alike. Stored text is NFC already (the parser
-- normalises it); queries are NFC-normalised here too (nfc_normalize is too slow for the corpus).
CREATE OR REPLACE MACRO search_strip_marks(s) AS
    regexp_replace(s, '[\p{Mn}\p{Cf}]', '', 'g');

CREATE OR REPLACE MACRO search_normalize(q) AS
    search_strip_marks(nfc_normalize(q));

CREATE OR REPLACE TABLE search_ru AS
SELECT key, search_strip_marks(title) AS title, search_strip_marks(body) AS body
FROM articles_current
WHERE language = 'ru';

CREATE OR REPLACE TABLE search_kk AS
SELECT key, search_strip_marks(title) AS title, search_strip_marks(body) AS body
FROM articles_current
WHERE language IS DISTINCT FROM 'ru';

PRAGMA create_fts_index(
    'search_ru', 'key', 'title', 'body',
    stemmer = 'russian', stopwords = 'search_stopwords_ru', ignore = '[^\p{L}\p{N}]+',
    strip_accents = 0, lower = 1, overwrite = 1
);

PRAGMA create_fts_index(
    'search_kk', 'key', 'title', 'body',
    stemmer = 'none', stopwords = 'search_stopwords_kk', ignore = '[^\p{L}\p{N}]+',
    strip_accents = 0, lower = 1, overwrite = 1
);

-- search_articles('query words'): every current article matching any word, best first.
-- Scores come from two indexes (each with its own document statistics), so they rank well within
-- a language and only roughly across them. Needs the fts extension in the session (autoloaded
-- where it is installed; otherwise INSTALL '<path>'; LOAD fts).
CREATE OR REPLACE MACRO search_articles(q) AS TABLE
WITH hits AS (
    SELECT key, fts_main_search_ru.match_bm25(key, search_normalize(q)) AS score
    FROM search_ru
    UNION ALL
    SELECT key, fts_main_search_kk.match_bm25(key, search_normalize(q)) AS score
    FROM search_kk
)
SELECT a.key, a.title, a.published_date, a.language, h.score
FROM hits AS h
JOIN articles_current AS a ON a.key = h.key
WHERE h.score IS NOT NULL
ORDER BY h.score DESC, a.published_date DESC NULLS LAST, a.key;
