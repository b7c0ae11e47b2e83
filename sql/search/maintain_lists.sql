-- `newsetl maintain`'s part for search statistics (migrations/010_search_lists.sql). Lists are
-- cut for the terms `search_list_min_df` articles hold whose list is missing (a new lake's
-- common terms, or a term grown common over many runs), grown past four times the list size
-- (runs add every posting above the bound), or cut at an average length more than 10 % from
-- today's; search/build_lists.sql cuts them, search/fold_counts.sql then folds the counts.
-- Variables: search_list_size, search_list_min_df.
CREATE OR REPLACE TEMP TABLE term_totals AS
SELECT lang, term, sum(df) AS df
FROM newsetl_internal.search_counts
GROUP BY lang, term;

CREATE OR REPLACE TEMP TABLE listing AS
WITH lists AS (
    SELECT lang, term, max(avgdl) AS ref
    FROM newsetl_internal.search_lists
    GROUP BY lang, term
),
sizes AS (
    SELECT lang, term, count(*) AS listed
    FROM newsetl_internal.search_top
    GROUP BY lang, term
),
corpus AS (
    SELECT avgdl FROM newsetl_internal.search_corpus_totals()
)
SELECT t.lang, t.term
FROM term_totals AS t
LEFT JOIN lists AS l USING (lang, term)
LEFT JOIN sizes AS s USING (lang, term)
CROSS JOIN corpus AS c
WHERE t.df >= getvariable('search_list_min_df')
  AND (
    l.term IS NULL
    OR coalesce(s.listed, 0) > 4 * getvariable('search_list_size')
    OR abs(c.avgdl / l.ref - 1) > 0.1
  );

DELETE FROM newsetl_internal.search_top AS p
WHERE EXISTS (SELECT 1 FROM listing AS l WHERE l.lang = p.lang AND l.term = p.term);

DELETE FROM newsetl_internal.search_lists AS p
WHERE EXISTS (SELECT 1 FROM listing AS l WHERE l.lang = p.lang AND l.term = p.term);
