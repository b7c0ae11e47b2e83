-- Search over the whole warehouse in one ranking: BM25 (k1 = 1.2, b = 0.75) with statistics of
-- every indexed article, both languages in one query. A query is tokenised and stemmed exactly as
-- newsetl.search indexed the articles: NFC, lowercased, combining marks and format characters
-- removed, split on anything that is not a Unicode letter or digit, stopwords dropped; then each
-- -- word is looked up as a Russian term (Snowball, DuckDB's fts `stem`) and as a Kazakh term
-- (newsetl.search.kazakh's suffix chains). A template: newsetl.search.install fills in the
-- dollar names from the Python tables (never from user input). Needs the fts extension for
-- `stem` (autoloaded where it is installed).

CREATE OR REPLACE MACRO newsetl_internal.search_words(q) AS TABLE
SELECT DISTINCT word
FROM (
    SELECT unnest(regexp_split_to_array(
        regexp_replace(lower(nfc_normalize(q)), '[\p{Mn}\p{Cf}]', '', 'g'),
        '[^\p{L}\p{N}]+'
    )) AS word
)
WHERE word <> '';

-- The Kazakh stem of one lowercased word: the longest suffix chain whose removal leaves at least
-- the minimum stem length with a vowel among the letters left, then one final-letter replacement
-- (кітаб -> кітап). The chains are written into the macro, so stemming reads no table.
CREATE OR REPLACE MACRO newsetl_internal.kk_stem_strip(w) AS
    left(w, length(w) - coalesce(list_max(list_filter(
        range(1, $max_suffix + 1),
        n -> n <= length(w) - $min_stem
            AND list_contains($suffixes, right(w, n))
            AND regexp_matches(left(w, length(w) - n), '$vowels')
    )), 0));

-- One regexp_replace per final letter, nested, so that the stripped word is computed once (no
-- replacement letter is itself replaced: newsetl.search.install checks it).
CREATE OR REPLACE MACRO newsetl_internal.kk_stem_final(r) AS
    $final;

CREATE OR REPLACE MACRO newsetl_internal.kk_stem(w) AS
    newsetl_internal.kk_stem_final(newsetl_internal.kk_stem_strip(w));

CREATE OR REPLACE MACRO newsetl_internal.search_terms(q) AS TABLE
WITH words AS (
    SELECT word FROM newsetl_internal.search_words(q)
)
SELECT DISTINCT 'ru' AS lang, stem(word, 'russian') AS term
FROM words
WHERE NOT list_contains($stopwords_ru, word)
UNION
SELECT DISTINCT 'kk' AS lang, newsetl_internal.kk_stem(word) AS term
FROM words
WHERE NOT list_contains($stopwords_kk, word);

-- search_articles('query words'): every current article matching any word, best first.
CREATE OR REPLACE MACRO search_articles(q) AS TABLE
WITH terms AS (
    SELECT * FROM newsetl_internal.search_terms(q)
),
hits AS (
    SELECT p.lang, p.term, p.doc, p.tf
    FROM terms AS t
    JOIN newsetl_internal.search_postings AS p ON p.lang = t.lang AND p.term = t.term
),
corpus AS (
    SELECT count(*)::DOUBLE AS n, avg(length) AS avgdl FROM newsetl_internal.search_docs
),
df AS (
    SELECT lang, term, count(*) AS df FROM hits GROUP BY lang, term
),
scored AS (
    SELECT h.doc,
           sum(
               ln(1 + (c.n - df.df + 0.5) / (df.df + 0.5))
               * h.tf * (1.2 + 1)
               / (h.tf + 1.2 * (1 - 0.75 + 0.75 * d.length / c.avgdl))
           ) AS score
    FROM hits AS h
    JOIN df USING (lang, term)
    JOIN newsetl_internal.search_docs AS d ON d.doc = h.doc
    CROSS JOIN corpus AS c
    GROUP BY h.doc
)
SELECT d.key, d.title, d.published_date, d.language, s.score
FROM scored AS s
JOIN newsetl_internal.search_docs AS d ON d.doc = s.doc
ORDER BY s.score DESC, d.published_date DESC NULLS LAST, d.key;
