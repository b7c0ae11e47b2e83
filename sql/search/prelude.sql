-- Macros shared by the search partitions and by every query. Applied by newsetl.search before a
-- refresh, with the fts extension loaded.
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

-- The partition of an article: its index language and its publication month.
CREATE OR REPLACE MACRO search_lang(language) AS
    CASE WHEN language = 'ru' THEN 'ru' ELSE 'kk' END;

CREATE OR REPLACE MACRO search_period(published_date) AS
    coalesce(strftime(published_date, '%Y%m'), 'undated');
