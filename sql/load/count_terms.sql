-- A run's term counts (migrations/010_search_lists.sql), once for the whole run: what its parse
-- workers tallied per chunk (staged `terms`), less the postings of the indexed articles the run
-- does not load (quarantined: not in `decisions` as 'articles'; usually none, and then their
-- scan stops at once). Only inserts.
-- Bound relations: staged_terms(lang, term, n), staged_postings, staged_search_docs, decisions.
INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, sum(df) AS df
FROM (
    SELECT lang, term, n AS df FROM staged_terms
    UNION ALL
    SELECT p.lang, p.term, -1 AS df
    FROM staged_postings AS p
    SEMI JOIN (
        SELECT s.key
        FROM staged_search_docs AS s
        ANTI JOIN (SELECT key FROM decisions WHERE destination = 'articles') AS d USING (key)
    ) AS held USING (key)
)
GROUP BY lang, term
HAVING sum(df) <> 0;
