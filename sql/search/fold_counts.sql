-- search_corpus folded to one row, search_counts to one row per term (by `newsetl maintain`, after search/maintain_lists.sql
-- and search/build_lists.sql): the rows of every run become one, and terms no article holds any
-- more leave.
CREATE OR REPLACE TEMP TABLE term_totals AS
SELECT lang, term, sum(df) AS df
FROM newsetl_internal.search_counts
GROUP BY lang, term;

DELETE FROM newsetl_internal.search_counts;

INSERT INTO newsetl_internal.search_counts BY NAME
SELECT lang, term, df FROM term_totals WHERE df <> 0
ORDER BY term;

CREATE OR REPLACE TEMP TABLE corpus_totals AS
SELECT sum(docs) AS docs, sum(length) AS length FROM newsetl_internal.search_corpus;

DELETE FROM newsetl_internal.search_corpus;

INSERT INTO newsetl_internal.search_corpus BY NAME
SELECT docs, length FROM corpus_totals WHERE docs <> 0;
