-- The migration runner's own bookkeeping: one row per applied file in sql/migrations/.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);
