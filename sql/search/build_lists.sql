-- Lists for the terms in `listing` (lang, term): every posting of each term is weighed by its
-- saturation at the lake's average length; the `search_list_size`-th best is the term's bound,
-- and every posting at or above it goes to search_top. A term with fewer postings than the list
-- size gets no list. Variable: search_list_size.
--
-- Two reads of the listed terms' postings, neither held: the first keeps each term's best
-- `search_list_size` weights only (its bound), the second the postings that reach it. Memory
-- follows the number of lists, not the postings (a lake of 400,000 articles holds tens of
-- millions of postings of listed terms).
CREATE OR REPLACE TEMP TABLE bounds AS
WITH corpus AS (
    SELECT avgdl FROM newsetl_internal.search_corpus_totals()
)
SELECT p.lang, p.term, any_value(c.avgdl) AS avgdl,
    max(
        newsetl_internal.saturation(p.tf, p.length, c.avgdl), getvariable('search_list_size')
    )[-1] AS bound
FROM newsetl_internal.search_postings AS p
SEMI JOIN listing AS t ON p.lang = t.lang AND p.term = t.term
CROSS JOIN corpus AS c
GROUP BY p.lang, p.term
HAVING count(*) >= getvariable('search_list_size');

CREATE OR REPLACE TEMP TABLE listed AS
SELECT p.lang, p.term, p.doc, p.tf, p.length, b.avgdl, b.bound
FROM newsetl_internal.search_postings AS p
JOIN bounds AS b ON p.lang = b.lang AND p.term = b.term
WHERE newsetl_internal.saturation(p.tf, p.length, b.avgdl) >= b.bound;

INSERT INTO newsetl_internal.search_top BY NAME
SELECT lang, term, doc, tf, length FROM listed;

INSERT INTO newsetl_internal.search_lists BY NAME
SELECT DISTINCT lang, term, bound, avgdl FROM listed;
