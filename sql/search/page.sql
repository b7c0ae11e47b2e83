-- The first page of search_articles (sql/search/macros.sql): its first k rows, read from the
-- per-term statistics where they settle the page, from every posting of the query's terms where
-- they do not. Installed after macros.sql, by the same template.
--
-- The scores that can reach the first page, and whether the lists settled it (`settled`, on every
-- row; one row has no article, so an empty page says it too). The fast path, from the lists of
-- common terms (search_lists, search_top, search_counts: see migrations/010_search_lists.sql). A query term with a list is read from it, every other term
-- from all its postings. An article
-- found so has a known part of its score (the shares read) and, for each listed term of its
-- language it is not listed under, at most that term's bound (its weight times the bound's
-- saturation, scaled where the lake's average length grew since the list was cut); an article
-- found nowhere scores at most the sum of the bounds of its language. With theta the k-th best
-- known part: when no unfound article can reach theta, the page is settled by the articles whose
-- known part plus bounds reach it, after reading their missing postings (few, and often none).
-- Otherwise `settled` is false and the full path below answers. The query's terms and the corpus
-- totals are computed once for both.
CREATE OR REPLACE MACRO newsetl_internal.search_page_scores(q, k) AS TABLE
WITH terms AS MATERIALIZED (
    SELECT * FROM newsetl_internal.search_terms(q)
),
corpus AS MATERIALIZED (
    SELECT * FROM newsetl_internal.search_corpus_totals()
),
lists AS (
    SELECT l.lang, l.term, l.bound, l.avgdl AS ref
    FROM newsetl_internal.search_lists AS l
    SEMI JOIN terms AS t ON l.lang = t.lang AND l.term = t.term
),
-- Every query term's document frequency: a term no article holds is read from nowhere (its
-- string can lie inside the other language's row groups of a common term: a Kazakh word asked
-- as a Russian term would read those).
counts AS MATERIALIZED (
    SELECT c.lang, c.term, sum(c.df) AS df
    FROM newsetl_internal.search_counts AS c
    SEMI JOIN terms AS t ON c.lang = t.lang AND c.term = t.term
    GROUP BY c.lang, c.term
    HAVING sum(c.df) > 0
),
trusted AS MATERIALIZED (
    SELECT l.lang, l.term, c.df,
        ln(1 + (co.n - c.df + 0.5) / (c.df + 0.5)) * l.bound * greatest(1, co.avgdl / l.ref)
            * (1 + 1e-9) + 1e-9 AS upper
    FROM lists AS l
    JOIN counts AS c USING (lang, term)
    CROSS JOIN corpus AS co
    WHERE c.df > 0
),
-- The postings of the held terms without a trusted list. Postings are sorted by language, then
-- term: the join's filter skips every row group but those of these terms.
whole_hits AS MATERIALIZED (
    SELECT p.lang, p.term, p.doc, p.tf, p.length
    FROM newsetl_internal.search_postings AS p
    SEMI JOIN (
        SELECT c.lang, c.term FROM counts AS c ANTI JOIN trusted AS r USING (lang, term)
    ) AS w ON p.lang = w.lang AND p.term = w.term
),
listed_hits AS MATERIALIZED (
    SELECT DISTINCT p.lang, p.term, p.doc, p.tf, p.length
    FROM newsetl_internal.search_top AS p
    SEMI JOIN trusted AS t ON p.lang = t.lang AND p.term = t.term
),
known AS (
    SELECT h.doc, h.lang, newsetl_internal.bm25(d.df, c.n, h.tf, h.length, c.avgdl) AS share,
        0 AS seen, 0.0 AS seen_upper
    FROM whole_hits AS h
    JOIN (SELECT lang, term, count(*) AS df FROM whole_hits GROUP BY lang, term) AS d
        USING (lang, term)
    CROSS JOIN corpus AS c
    UNION ALL
    SELECT h.doc, h.lang, newsetl_internal.bm25(t.df, c.n, h.tf, h.length, c.avgdl) AS share,
        1 AS seen, t.upper AS seen_upper
    FROM listed_hits AS h
    JOIN trusted AS t USING (lang, term)
    CROSS JOIN corpus AS c
),
per_lang AS (
    SELECT lang, count(*) AS listed, sum(upper) AS upper FROM trusted GROUP BY lang
),
found AS MATERIALIZED (
    SELECT k.doc, k.lang, sum(k.share) AS lower,
        if(sum(k.seen) < any_value(coalesce(l.listed, 0)),
            any_value(l.upper) - sum(k.seen_upper), 0) AS missing
    FROM known AS k
    LEFT JOIN per_lang AS l USING (lang)
    GROUP BY k.doc, k.lang
),
theta AS MATERIALIZED (
    SELECT if(len(best) >= k, best[k], NULL) AS theta, unfound
    FROM (
        SELECT max(lower, least(greatest(k, 1), 999999)) AS best,
            coalesce((SELECT max(upper) FROM per_lang), 0) AS unfound
        FROM found
    )
),
-- Settled: no article outside `found` reaches theta (or no term is listed, and `found` is
-- every match; theta is then NULL where fewer than k articles match, and every one is kept).
verdict AS MATERIALIZED (
    SELECT theta, unfound = 0 OR (theta IS NOT NULL AND unfound < theta) AS settled FROM theta
),
open AS (
    SELECT f.doc, f.lang
    FROM found AS f
    CROSS JOIN verdict AS v
    WHERE v.settled AND f.missing > 0 AND f.lower + f.missing >= coalesce(v.theta, 0)
),
wanted_postings AS (
    SELECT o.doc, t.lang, t.term
    FROM open AS o
    JOIN trusted AS t USING (lang)
    ANTI JOIN listed_hits AS h ON h.doc = o.doc AND h.lang = t.lang AND h.term = t.term
),
resolved AS (
    SELECT p.doc, sum(newsetl_internal.bm25(t.df, c.n, p.tf, p.length, c.avgdl)) AS extra
    FROM newsetl_internal.search_postings AS p
    SEMI JOIN wanted_postings AS w ON p.lang = w.lang AND p.term = w.term AND p.doc = w.doc
    JOIN trusted AS t USING (lang, term)
    CROSS JOIN corpus AS c
    GROUP BY p.doc
),
fast AS (
    SELECT f.doc, f.lower + coalesce(r.extra, 0) AS score
    FROM found AS f
    CROSS JOIN verdict AS v
    LEFT JOIN resolved AS r USING (doc)
    WHERE v.settled AND f.lower + f.missing >= coalesce(v.theta, 0)
),
-- The full path, where the lists did not settle the page: every posting of the query's terms
-- (none where they did: the postings' scan then stops at once, its join being empty). Per term:
-- its best share, and its k-th best (NULL where fewer than k articles hold it; a page of a
-- million rows or more is not cut). The k-th best share is a score k articles surely reach
-- (theta); an article can reach theta only if one of its shares, with every other query term
-- of its language at that term's best share, does, so only those articles are summed.
full_hits AS MATERIALIZED (
    SELECT p.lang, p.term, p.doc, p.tf, p.length
    FROM newsetl_internal.search_postings AS p
    SEMI JOIN (
        SELECT t.lang, t.term FROM terms AS t CROSS JOIN verdict AS v WHERE NOT v.settled
    ) AS w ON p.lang = w.lang AND p.term = w.term
),
shares AS MATERIALIZED (
    SELECT h.lang, h.term, h.doc,
        newsetl_internal.bm25(d.df, c.n, h.tf, h.length, c.avgdl) AS share
    FROM full_hits AS h
    JOIN (SELECT lang, term, count(*) AS df FROM full_hits GROUP BY lang, term) AS d
        USING (lang, term)
    CROSS JOIN corpus AS c
),
best AS (
    SELECT lang, term, max(share) AS best, max(share, least(greatest(k, 1), 999999)) AS top
    FROM shares
    GROUP BY lang, term
),
full_theta AS (
    SELECT max(if(len(top) >= k, top[k], NULL)) * (1 - 1e-9) AS theta FROM best
),
reach AS (
    SELECT b.lang, b.term, th.theta - (a.total - b.best) AS least
    FROM best AS b
    JOIN (SELECT lang, sum(best) AS total FROM best GROUP BY lang) AS a USING (lang)
    CROSS JOIN full_theta AS th
),
candidates AS (
    SELECT DISTINCT s.doc
    FROM shares AS s
    JOIN reach AS r USING (lang, term)
    WHERE r.least IS NULL OR s.share >= r.least
)
SELECT doc, score, v.settled FROM fast CROSS JOIN verdict AS v
UNION ALL
SELECT doc, sum(share) AS score, false AS settled
FROM shares
SEMI JOIN candidates USING (doc)
GROUP BY doc
UNION ALL
SELECT NULL, NULL, v.settled FROM verdict AS v;

-- The page: the k best scores of whichever path answered, read from search_docs by their keys
-- (a LIMIT of k rows: DuckDB then filters the scan of search_docs by them). Articles tied with the
-- k-th score beyond the page are added, for the final order to break the tie by date and key;
-- where there are none their scan of search_docs stops at once.
CREATE OR REPLACE MACRO newsetl_internal.search_page(q, k) AS TABLE
WITH scored AS MATERIALIZED (
    SELECT doc, score FROM newsetl_internal.search_page_scores(q, k) WHERE doc IS NOT NULL
),
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
)
SELECT d.key, d.title, d.published_date, d.language, c.score
FROM (SELECT doc, score FROM page UNION SELECT doc, score FROM tied) AS c
JOIN newsetl_internal.search_docs AS d USING (doc);

-- search_articles('query words'): every current article matching any word, best first.
CREATE OR REPLACE MACRO search_articles(q) AS TABLE (
    SELECT d.key, d.title, d.published_date, d.language, s.score
    FROM (
        SELECT doc, sum(share) AS score FROM newsetl_internal.search_shares(q) GROUP BY doc
    ) AS s
    JOIN newsetl_internal.search_docs AS d USING (doc)
    ORDER BY s.score DESC, d.published_date DESC NULLS LAST, d.key
),
-- search_articles('query words', k := 20): the first 20 rows of that same ranking (ties broken
-- the same way), read from the lists of common terms where they settle it
-- (newsetl_internal.search_page). k := 0 is every row again: a page no list can settle, so the
-- full path answers it whole. Two forms of one macro (DuckDB picks one by its arguments), so
-- that every row plans none of the first page's steps, and the first page none of every row's
-- (a branch is bound, and its query terms tokenised, even where k prunes it).
(q, k) AS TABLE (
    SELECT * FROM newsetl_internal.search_page(q, if(k > 0, k, 9223372036854775807))
    ORDER BY score DESC, published_date DESC NULLS LAST, key
    LIMIT if(k > 0, k, NULL)
);
