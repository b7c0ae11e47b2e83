-- The warehouse contract: articles, their paragraphs, the quarantine, source state, runs and
-- data-quality outcomes. DuckLake enforces no keys: the load keeps `key` unique per table
-- (paragraphs: key and position) by deleting a key's old rows before inserting its new ones.

-- Parquet files compressed with zstd: text compresses about a third better than with snappy.
CALL news.set_option('parquet_compression', 'zstd');

-- Every row in Parquet files, none inlined in the catalog: article text stays out of the catalog
-- database, and maintenance never moves rows that an attached reader is still reading.
CALL news.set_option('data_inlining_row_limit', 0);

-- Row groups of at most 16 MB: the Parquet writer holds a whole row group in memory, and 122,880
-- articles of several KB each would not fit in the load's memory limit.
CALL news.set_option('parquet_row_group_size_bytes', '16MB');

CREATE TABLE articles (
    key                 VARCHAR NOT NULL,     -- object key in the source
    doc_id              VARCHAR NOT NULL,     -- file name without extension
    title               VARCHAR,
    published_date      DATE,
    published_at        TIMESTAMPTZ,          -- date and time, when the article gives a time
    date_source         VARCHAR NOT NULL,     -- header | byline | above_title | below_title | dateline | none
    language            VARCHAR,              -- ISO 639-1
    language_confidence DOUBLE,
    section             VARCHAR,
    views               INTEGER,
    reading_minutes     INTEGER,
    photo_credit        VARCHAR,
    photo_caption       VARCHAR,
    dateline_place      VARCHAR,
    dateline_date       DATE,
    agency              VARCHAR,
    author              VARCHAR,
    layout              VARCHAR,              -- which of the parser's layouts matched
    body                VARCHAR NOT NULL,
    paragraph_count     INTEGER NOT NULL,
    char_count          INTEGER NOT NULL,
    word_count          INTEGER NOT NULL,
    source_encoding     VARCHAR NOT NULL,
    content_sha256      VARCHAR NOT NULL,
    mixed_script_tokens VARCHAR[],
    mojibake_repaired   BOOLEAN NOT NULL,
    warnings            VARCHAR[],            -- warning-severity expectations this row failed
    etag                VARCHAR NOT NULL,
    run_id              VARCHAR NOT NULL,
    loaded_at           TIMESTAMPTZ NOT NULL,
    deleted_at          TIMESTAMPTZ           -- set when the object left the source; the row stays
);

CREATE TABLE paragraphs (
    key      VARCHAR NOT NULL,
    position INTEGER NOT NULL,  -- from 1
    text     VARCHAR NOT NULL
);

CREATE TABLE quarantine (
    key            VARCHAR NOT NULL,
    etag           VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    reasons        VARCHAR[] NOT NULL,  -- every critical expectation the object failed
    raw            BLOB NOT NULL,       -- the bytes exactly as fetched
    source_encoding VARCHAR,
    size           BIGINT NOT NULL,
    run_id         VARCHAR NOT NULL,
    quarantined_at TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ          -- set when the object left the source; bytes are kept
);

CREATE TABLE source_objects (
    key            VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,  -- the --source whose listing holds it
    etag           VARCHAR NOT NULL,
    size           BIGINT NOT NULL,
    last_modified  TIMESTAMPTZ,
    content_sha256 VARCHAR,
    status         VARCHAR NOT NULL,  -- loaded | quarantined | deleted
    first_run_id   VARCHAR NOT NULL,
    last_run_id    VARCHAR NOT NULL
);

CREATE TABLE ingest_runs (
    run_id       VARCHAR NOT NULL,
    flow_run_id  VARCHAR,
    source       VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL,  -- completed | failed_quality
    listed       INTEGER NOT NULL,
    ignored      INTEGER NOT NULL,
    unchanged    INTEGER NOT NULL,
    new          INTEGER NOT NULL,
    changed      INTEGER NOT NULL,
    refreshed    INTEGER NOT NULL,  -- unchanged objects reprocessed by --full-refresh
    deleted      INTEGER NOT NULL,
    loaded       INTEGER NOT NULL,
    quarantined  INTEGER NOT NULL,
    warnings     INTEGER NOT NULL,  -- loaded rows with at least one warning
    message      VARCHAR,
    snapshot_id  BIGINT             -- the DuckLake snapshot the run committed as
);

CREATE TABLE dq_results (
    run_id             VARCHAR NOT NULL,
    suite              VARCHAR NOT NULL,
    expectation        VARCHAR NOT NULL,
    expectation_type   VARCHAR NOT NULL,
    column_name        VARCHAR,
    severity           VARCHAR NOT NULL,
    success            BOOLEAN NOT NULL,
    element_count      BIGINT NOT NULL,
    unexpected_count   BIGINT NOT NULL,
    unexpected_percent DOUBLE NOT NULL,
    details            JSON
);
