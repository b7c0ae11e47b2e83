-- Search moves from two whole-corpus fts indexes to one per language and publication month, so a
-- run rebuilds only the months it touched (sql/search/). The old objects go; the next load
-- builds the new ones.

DROP MACRO TABLE IF EXISTS search_articles;
DROP SCHEMA IF EXISTS fts_main_search_ru CASCADE;
DROP SCHEMA IF EXISTS fts_main_search_kk CASCADE;
DROP TABLE IF EXISTS search_ru;
DROP TABLE IF EXISTS search_kk;

-- What each partition was built from: a partition is rebuilt when its fingerprint changes.
CREATE TABLE search_partitions (
    name        VARCHAR PRIMARY KEY,  -- its table: search_<lang>_<period>
    lang        VARCHAR NOT NULL,     -- ru (Snowball russian) or kk (all others, unstemmed)
    period      VARCHAR NOT NULL,     -- YYYYMM of published_date, or 'undated'
    articles    BIGINT NOT NULL,
    fingerprint UBIGINT NOT NULL      -- bit_xor over its articles of hash(key, etag, loaded_at, ...)
);
