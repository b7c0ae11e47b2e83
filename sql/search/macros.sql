-- Search over the whole warehouse in one ranking: BM25 (k1 = 1.2, b = 0.75) with statistics of
-- every indexed article, both languages in one query. A query is tokenised and stemmed exactly as
-- newsetl.search indexed the articles: NFC, lowercased, combining marks and format characters
-- removed, split on anything that is not a Unicode letter or digit, stopwords dropped; then each
-- word is looked up as a Russian term (Snowball, DuckDB's fts `stem`) and as a Kazakh term (the
-- suffix chains in kk_suffixes). Installed by newsetl.search.install; needs the fts extension
-- for `stem` (autoloaded where it is installed).

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
-- min_stem letters with a vowel among them, then one final-letter replacement (кітаб -> кітап).
CREATE OR REPLACE MACRO newsetl_internal.kk_stem(w) AS (
    WITH stripped AS (
        SELECT coalesce((
            SELECT left(w, length(w) - max(s.length))
            FROM newsetl_internal.kk_suffixes AS s
            WHERE s.length <= length(w) - p.min_stem
              AND right(w, s.length) = s.suffix
              AND regexp_matches(left(w, length(w) - s.length), p.vowels)
        ), w) AS r
        FROM newsetl_internal.kk_params AS p
    )
    SELECT coalesce((
        SELECT left(r, length(r) - 1) || f.replacement
        FROM newsetl_internal.kk_final AS f
        WHERE f.letter = right(r, 1)
    ), r)
    FROM stripped
);

CREATE OR REPLACE MACRO newsetl_internal.search_terms(q) AS TABLE
SELECT DISTINCT 'ru' AS lang, stem(word, 'russian') AS term
FROM newsetl_internal.search_words(q)
WHERE word NOT IN (SELECT word FROM newsetl_internal.search_stopwords WHERE lang = 'ru')
UNION
SELECT DISTINCT 'kk' AS lang, newsetl_internal.kk_stem(word) AS term
FROM newsetl_internal.search_words(q)
WHERE word NOT IN (SELECT word FROM newsetl_internal.search_stopwords WHERE lang = 'kk');

-- search_articles('query words'): every current article matching any word, best first.
CREATE OR REPLACE MACRO search_articles(q) AS TABLE
WITH terms AS (
    SELECT * FROM newsetl_internal.search_terms(q)
),
hits AS (
    SELECT p.lang, p.term, p.doc, p.tf
    FROM newsetl_internal.search_postings AS p
    WHERE p.term IN (SELECT term FROM terms)
      AND (p.lang, p.term) IN (SELECT (lang, term) FROM terms)
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
SELECT a.key, a.title, a.published_date, a.language, s.score
FROM scored AS s
JOIN newsetl_internal.search_docs AS d ON d.doc = s.doc
JOIN articles_current AS a ON a.key = d.key
ORDER BY s.score DESC, a.published_date DESC NULLS LAST, a.key;
