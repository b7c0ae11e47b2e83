-- One run's changes are applied inside a single transaction by newsetl.warehouse, as one
-- DuckLake snapshot: prepare.sql, then replace.sql and mark_deleted.sql when they have work
-- (a run that only brings new keys never deletes, so it cannot conflict with another writer),
-- then insert.sql, insert_search.sql, insert_postings.sql once per batch of staged chunks, and
-- record_run.sql.
-- Bound relations: run_ctx(run_id, source (NULL for a quarantine retry: keys keep theirs), now),
-- plan(key, etag, size, last_modified, change, process), decisions(key, destination, reasons, warnings, content_sha256, source_encoding),
-- staged_articles, staged_paragraphs, staged_raw(key, raw), staged_search_docs(key, lang,
-- length), run_row, dq_rows.

-- Keys this run writes that the warehouse holds already (from this source or any other): their
-- old rows go first, so that every key stays unique in every table.
CREATE OR REPLACE TEMP TABLE replaced AS
SELECT key FROM plan
WHERE process AND key IN (SELECT key FROM source_objects);

-- Keys gone from the source: their rows stay, marked deleted.
CREATE OR REPLACE TEMP TABLE gone AS
SELECT key FROM plan WHERE change = 'deleted';

-- What is kept of a key's previous state: its first run and source, and the first quarantine
-- time of an object held again with the same bytes.
CREATE OR REPLACE TEMP TABLE prior_objects AS
SELECT * FROM source_objects
WHERE key IN (SELECT key FROM replaced UNION ALL SELECT key FROM gone);

CREATE OR REPLACE TEMP TABLE prior_quarantine AS
SELECT key, etag, quarantined_at FROM quarantine
WHERE key IN (SELECT key FROM replaced);
