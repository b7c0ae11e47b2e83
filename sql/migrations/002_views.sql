-- Analyst views over the core tables. Views hold no data: an older warehouse gains them in place,
-- and they always read the current rows. Timestamps compare with now(), so ages keep growing
-- on a published read-only snapshot too.

-- Articles still present in the source (deleted_at is set when an object leaves the bucket).
CREATE OR REPLACE VIEW articles_current AS
SELECT * EXCLUDE (deleted_at)
FROM articles
WHERE deleted_at IS NULL;

-- Article counts per publication day, language and section (NULLs kept as their own group).
CREATE OR REPLACE VIEW articles_daily AS
SELECT published_date,
       language,
       section,
       count(*) AS articles,
       sum(word_count) AS words,
       sum(char_count) AS chars
FROM articles_current
GROUP BY published_date, language, section;

-- The outcomes of the most recent run that recorded any expectation results.
CREATE OR REPLACE VIEW dq_latest AS
WITH latest AS (
    SELECT r.run_id
    FROM ingest_runs AS r
    WHERE r.run_id IN (SELECT run_id FROM dq_results)
    ORDER BY r.finished_at DESC, r.started_at DESC, r.run_id DESC
    LIMIT 1
)
SELECT r.run_id,
       r.status AS run_status,
       r.started_at,
       r.finished_at,
       d.suite,
       d.expectation,
       d.expectation_type,
       d.column_name,
       d.severity,
       d.success,
       d.element_count,
       d.unexpected_count,
       d.unexpected_percent,
       d.details
FROM dq_results AS d
JOIN ingest_runs AS r USING (run_id)
WHERE d.run_id = (SELECT run_id FROM latest);

-- Per run and suite: the share of expectations that succeeded, and row-level unexpected totals.
CREATE OR REPLACE VIEW dq_trend AS
SELECT r.run_id,
       r.status AS run_status,
       r.started_at,
       r.finished_at,
       d.suite,
       count(*) AS expectations,
       count(*) FILTER (WHERE d.success) AS succeeded,
       count(*) FILTER (WHERE NOT d.success) AS failed,
       count(*) FILTER (WHERE NOT d.success AND d.severity = 'critical') AS critical_failed,
       count(*) FILTER (WHERE d.success) / count(*) AS pass_rate,
       max(d.element_count) AS rows_validated,
       sum(d.element_count) AS values_checked,
       sum(d.unexpected_count) AS unexpected_total,
       sum(d.unexpected_count) / nullif(sum(d.element_count), 0) AS unexpected_rate
FROM dq_results AS d
JOIN ingest_runs AS r USING (run_id)
GROUP BY r.run_id, r.status, r.started_at, r.finished_at, d.suite;

-- Quarantined objects still in the source, why they were rejected, how big and how old.
-- The raw bytes stay in the quarantine table.
CREATE OR REPLACE VIEW quarantine_open AS
SELECT key,
       reasons,
       len(reasons) AS reason_count,
       size,
       source_encoding,
       etag,
       content_sha256,
       run_id,
       quarantined_at,
       now() - quarantined_at AS age,
       date_diff('hour', quarantined_at, now()) AS age_hours,
       date_diff('day', quarantined_at, now()) AS age_days
FROM quarantine
WHERE deleted_at IS NULL;

-- One row: the newest article, the last successful run, and how far behind each is.
CREATE OR REPLACE VIEW source_freshness AS
WITH newest AS (
    SELECT max(published_date) AS newest_published_date,
           max(loaded_at) AS last_loaded_at,
           count(*) AS current_articles
    FROM articles_current
),
runs AS (
    SELECT max(finished_at) FILTER (WHERE status = 'completed') AS last_completed_run_at,
           max(finished_at) AS last_run_at,
           arg_max(status, finished_at) AS last_run_status
    FROM ingest_runs
)
SELECT n.newest_published_date,
       r.last_completed_run_at,
       r.last_run_at,
       r.last_run_status,
       n.last_loaded_at,
       n.current_articles,
       current_date - n.newest_published_date AS days_since_newest_article,
       round(epoch(now() - r.last_completed_run_at) / 3600, 1) AS hours_since_last_completed_run,
       date_diff('day', r.last_completed_run_at, now()) AS days_since_last_completed_run,
       r.last_completed_run_at::DATE - n.newest_published_date AS newest_article_lag_days_at_run
FROM newest AS n
CROSS JOIN runs AS r;
