-- Lists for the terms in `listing` (lang, term): every posting of each term is weighed by its
-- saturation at the lake's average length; the `search_list_size`-th best is the term's bound,
-- and every posting at or above it goes to search_top. A term with fewer postings than the list
-- size gets no list. Variable: search_list_size.
CREATE OR REPLACE TEMP TABLE listed AS
WITH corpus AS (
    SELECT avgdl FROM newsetl_internal.search_corpus_totals()
),
weighed AS MATERIALIZED (
    SELECT p.lang, p.term, p.doc, p.tf, p.length, c.avgdl,
        newsetl_internal.saturation(p.tf, p.length, c.avgdl) AS sat
    FROM newsetl_internal.search_postings AS p
    SEMI JOIN listing AS t ON p.lang = t.lang AND p.term = t.term
    CROSS JOIN corpus AS c
),
bounds AS (
    SELECT lang, term, any_value(avgdl) AS avgdl,
        max(sat, getvariable('search_list_size')) AS best
    FROM weighed
    GROUP BY lang, term
    HAVING count(*) >= getvariable('search_list_size')
)
SELECT w.lang, w.term, w.doc, w.tf, w.length, b.avgdl, b.best[-1] AS bound
FROM weighed AS w
JOIN bounds AS b USING (lang, term)
WHERE w.sat >= b.best[-1];

INSERT INTO newsetl_internal.search_top BY NAME
SELECT lang, term, doc, tf, length FROM listed;

INSERT INTO newsetl_internal.search_lists BY NAME
SELECT DISTINCT lang, term, bound, avgdl FROM listed;

