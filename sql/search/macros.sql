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
    SELECT count(*)::DOUBLE AS n, avg(length) AS avgdl FROM newsetl_internal.search_docs
),
df AS (
    SELECT lang, term, count(*) AS df FROM hits GROUP BY lang, term
)
SELECT h.lang, h.term, h.doc, newsetl_internal.bm25(df.df, c.n, h.tf, h.length, c.avgdl) AS share
FROM hits AS h
JOIN df USING (lang, term)
CROSS JOIN corpus AS c;

-- search_articles('query words'): every current article matching any word, best first.
-- search_articles('query words', k := 20): the first 20 rows of that same ranking (ties broken
-- the same way), scoring only the articles that can reach them and reading search_docs for the
-- rows returned only. Each posting carries its article's length, so every posting's share of a
-- score comes from the postings alone. Per term, the k-th best share is a score k articles
-- surely reach (theta); an article can reach theta only if one of its shares, with every other
-- query term of its language at that term's best share, does, so only those articles are
-- summed. k := 0 is every row again. Two forms of one macro (DuckDB picks one by its
-- arguments), so that every row plans none of the first page's steps; k folds to a constant, so
-- the second plans one of its two branches only.
CREATE OR REPLACE MACRO search_articles(q) AS TABLE (
    SELECT d.key, d.title, d.published_date, d.language, s.score
    FROM (
        SELECT doc, sum(share) AS score FROM newsetl_internal.search_shares(q) GROUP BY doc
    ) AS s
    JOIN newsetl_internal.search_docs AS d USING (doc)
    ORDER BY s.score DESC, d.published_date DESC NULLS LAST, d.key
),
(q, k) AS TABLE (
WITH shares AS (
    SELECT * FROM newsetl_internal.search_shares(q)
),
every_row AS (
    SELECT d.key, d.title, d.published_date, d.language, s.score
    FROM (SELECT doc, sum(share) AS score FROM shares GROUP BY doc) AS s
    JOIN newsetl_internal.search_docs AS d USING (doc)
    WHERE k <= 0
),
-- The first page. Per term: its best share, and its k-th best (NULL where fewer than k articles
-- hold it; a page of a million rows or more is not cut).
best AS (
    SELECT lang, term, max(share) AS best, max(share, least(greatest(k, 1), 999999)) AS top
    FROM shares
    WHERE k > 0
    GROUP BY lang, term
),
theta AS (
    SELECT max(if(len(top) >= k, top[k], NULL)) * (1 - 1e-9) AS theta FROM best
),
reach AS (
    SELECT b.lang, b.term, th.theta - (a.total - b.best) AS least
    FROM best AS b
    JOIN (SELECT lang, sum(best) AS total FROM best GROUP BY lang) AS a USING (lang)
    CROSS JOIN theta AS th
),
candidates AS (
    SELECT DISTINCT s.doc
    FROM shares AS s
    JOIN reach AS r USING (lang, term)
    WHERE r.least IS NULL OR s.share >= r.least
),
scored AS (
    SELECT doc, sum(share) AS score
    FROM shares
    SEMI JOIN candidates USING (doc)
    WHERE k > 0
    GROUP BY doc
),
-- The k best scores. A LIMIT of k rows: DuckDB then filters the scan of search_docs by their keys
-- (a join filter) and reads the columns of those rows only. Articles tied with the k-th score
-- beyond the page (tied) are added where there are any, for the final order to break the tie by
-- date and key; where there are none their scan of search_docs stops at once.
page AS (
    SELECT doc, score FROM scored ORDER BY score DESC LIMIT greatest(k, 1)
),
edge AS (
    SELECT min(p.score) AS score
    FROM page AS p
    HAVING (SELECT count(*) FROM scored AS s WHERE s.score >= min(p.score)) > count(*)
),
tied AS (
    SELECT s.doc, s.score FROM scored AS s JOIN edge AS e ON s.score = e.score
),
first_page AS (
    SELECT d.key, d.title, d.published_date, d.language, p.score
    FROM newsetl_internal.search_docs AS d
    JOIN page AS p USING (doc)
    UNION
    SELECT d.key, d.title, d.published_date, d.language, t.score
    FROM newsetl_internal.search_docs AS d
    JOIN tied AS t USING (doc)
)
SELECT * FROM every_row
UNION ALL
SELECT * FROM first_page WHERE k > 0
ORDER BY score DESC, published_date DESC NULLS LAST, key
LIMIT if(k > 0, k, NULL)
);
