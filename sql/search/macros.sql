-- Search over the whole warehouse in one ranking: BM25 (k1 = 1.2, b = 0.75) with statistics of
-- every indexed article, both languages in one query. A query is tokenised and stemmed exactly as
-- newsetl.search indexed the articles: NFC, lowercased, combining marks and format characters
-- removed, split on anything that is not a Unicode letter or digit, stopwords dropped; then each
-- word is looked up as a Russian term (Snowball, DuckDB's fts `stem`) and as a Kazakh term
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
-- (кітаб -> кітап). One regular expression does the first step: the shortest such stem followed
-- by a chain (newsetl.search.install writes the chains in, longest first); a word with no chain
-- to strip does not match and stays whole. Then one regexp_replace per final letter, nested (no
-- replacement letter is itself replaced: newsetl.search.install checks it).
CREATE OR REPLACE MACRO newsetl_internal.kk_stem(w) AS
    $kk_stem;

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

-- BM25's frequency part of a posting (k1 = 1.2, b = 0.75): what orders a term's postings, and
-- what the lists of common terms are cut by (search_lists.bound).
CREATE OR REPLACE MACRO newsetl_internal.saturation(tf, length, avgdl) AS
    tf * (1.2 + 1) / (tf + 1.2 * (1 - 0.75 + 0.75 * length / avgdl));

-- The corpus totals BM25 needs: how many articles are indexed (n) and their average indexed
-- length (avgdl), summed from search_corpus's rows of changes. Every path of search, and the
-- lists of common terms, take them from here.
CREATE OR REPLACE MACRO newsetl_internal.search_corpus_totals() AS TABLE
SELECT coalesce(sum(docs), 0)::DOUBLE AS n, sum(length)::DOUBLE / sum(docs) AS avgdl
FROM newsetl_internal.search_corpus;

-- One posting's share of an article's score: the term's weight (df articles of n hold it) times
-- its saturated frequency, normalised by the article's length against the average. Rounded to a
-- multiple of 2^-32, so that an article's shares add up exactly (every partial sum below 2^21
-- fits a double) and its score is the same whatever order they are added in, by whichever
-- thread: the first page and the full ranking then order ties alike.
CREATE OR REPLACE MACRO newsetl_internal.bm25(df, n, tf, length, avgdl) AS
    round(
        ln(1 + (n - df + 0.5) / (df + 0.5))
        * tf * (1.2 + 1) / (tf + 1.2 * (1 - 0.75 + 0.75 * length / avgdl))
        * 4294967296
    ) / 4294967296;

-- Every posting of the query's terms, with its share of its article's score.
CREATE OR REPLACE MACRO newsetl_internal.search_shares(q) AS TABLE
WITH terms AS (
    SELECT * FROM newsetl_internal.search_terms(q)
),
hits AS (
    SELECT p.lang, p.term, p.doc, p.tf, p.length
    FROM newsetl_internal.search_postings AS p
    SEMI JOIN terms AS t ON p.lang = t.lang AND p.term = t.term
),
corpus AS (
    SELECT * FROM newsetl_internal.search_corpus_totals()
),
df AS (
    SELECT lang, term, count(*) AS df FROM hits GROUP BY lang, term
)
SELECT h.lang, h.term, h.doc, newsetl_internal.bm25(df.df, c.n, h.tf, h.length, c.avgdl) AS share
FROM hits AS h
JOIN df USING (lang, term)
CROSS JOIN corpus AS c;
