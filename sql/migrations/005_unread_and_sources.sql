-- Objects a run could not read (access denied, deleted or changed while it read them, a body
-- that kept breaking off): not loaded and not marked deleted, named here with their reason and
-- read again by the next run. `ingest_runs.unread` counts them.
ALTER TABLE ingest_runs ADD COLUMN unread INTEGER DEFAULT 0;

CREATE TABLE unread_objects (
    run_id  VARCHAR NOT NULL,
    key     VARCHAR NOT NULL,
    reason  VARCHAR NOT NULL
);

-- The sources this warehouse is fed from: every source with a completed run. A run from a
-- source not listed here is refused unless it is the warehouse's first or says --new-source.
CREATE VIEW sources AS
SELECT source,
       min(started_at) AS first_run_at,
       max(finished_at) AS last_run_at,
       count(*) AS runs
FROM ingest_runs
WHERE status = 'completed' AND source NOT LIKE 'quarantine://%'
GROUP BY source;
