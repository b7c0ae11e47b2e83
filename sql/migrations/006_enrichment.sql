-- Who and what the news is about (newsetl.enrich): entities, their mentions, stories and
-- near-duplicate reprints, written by the enrich stage as its own snapshot after ingest. DuckLake
-- enforces no keys: the enrichment deletes a key's rows before inserting its new ones.

-- One row per real-world entity across both languages and all case forms. entity_id is the
-- gazetteer's id (kz.astana, cldr.CN) or kind:key with the folded key (person:токаев).
CREATE TABLE entities (
    entity_id VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,  -- person | org | place
    name      VARCHAR NOT NULL,  -- display name: the Russian one, else the Kazakh one
    name_kk   VARCHAR,
    name_ru   VARCHAR
);

CREATE TABLE entity_mentions (
    key       VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    position  INTEGER NOT NULL,  -- paragraph number, 0 for the title
    surface   VARCHAR NOT NULL   -- the form as written (Тоқаевтың)
);

-- Every current article in exactly one story; a story of one article is allowed.
CREATE TABLE story_articles (
    story_id VARCHAR NOT NULL,
    key      VARCHAR NOT NULL
);

-- Why an article joined its story: the article it was linked to and the evidence.
CREATE TABLE story_links (
    key       VARCHAR NOT NULL,
    linked_to VARCHAR NOT NULL,
    score     DOUBLE NOT NULL,
    entities  DOUBLE NOT NULL,  -- each term a weighted cosine in [0, 1]
    numbers   DOUBLE NOT NULL,
    prefixes  DOUBLE NOT NULL
);

CREATE TABLE near_duplicates (
    key          VARCHAR NOT NULL,
    duplicate_of VARCHAR NOT NULL,
    similarity   DOUBLE NOT NULL  -- MinHash estimate of the Jaccard similarity of 3-word shingles
);

CREATE SCHEMA IF NOT EXISTS newsetl_internal;

-- What linking compares, per enriched article: read for the days around a new article only.
CREATE TABLE newsetl_internal.enrich_signatures (
    key            VARCHAR NOT NULL,
    language       VARCHAR,
    published_date DATE,
    story_id       VARCHAR NOT NULL,
    entities       VARCHAR[] NOT NULL,
    numbers        VARCHAR[] NOT NULL,
    prefixes       VARCHAR[] NOT NULL,
    minhash        UBIGINT[] NOT NULL
);

CREATE TABLE enrich_runs (
    run_id        VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    mode          VARCHAR NOT NULL,  -- changes | all
    read_snapshot BIGINT NOT NULL,   -- the lake snapshot whose articles it read
    articles      INTEGER NOT NULL,  -- articles enriched
    forgotten     INTEGER NOT NULL,  -- deleted articles whose enrichment it removed
    mentions      INTEGER NOT NULL,
    stories       INTEGER NOT NULL,  -- stories the enriched articles are in
    snapshot_id   BIGINT             -- the snapshot it committed as
);

-- One row per story: its dates, languages, size and a representative title per language.
CREATE OR REPLACE VIEW stories AS
SELECT s.story_id,
       min(a.published_date) AS first_date,
       max(a.published_date) AS last_date,
       list_sort(list_distinct(list(a.language))) AS languages,
       count(*) AS article_count,
       arg_min(a.title, a.published_date) FILTER (WHERE a.language = 'kk') AS title_kk,
       arg_min(a.title, a.published_date) FILTER (WHERE a.language = 'ru') AS title_ru
FROM story_articles AS s
JOIN articles_current AS a USING (key)
GROUP BY s.story_id;

-- Mentions with their article's date and language, current articles only.
CREATE OR REPLACE VIEW entity_mentions_dated AS
SELECT m.key, m.entity_id, e.kind, e.name, m.position, m.surface, a.published_date, a.language
FROM entity_mentions AS m
JOIN entities AS e USING (entity_id)
JOIN articles_current AS a USING (key);

-- A name lowercased and folded to the letters Kazakh and Russian share, as newsetl.enrich.fold
-- does (soft and hard signs dropped): Тоқаев and Токаев compare equal.
CREATE OR REPLACE MACRO fold_name(s) AS
    translate(lower(s), 'әғқңөұүһіёйыэьъ', 'агкноуухиеиие');

-- An entity's mentions per day and language, found by any of its names in any case form and
-- either alphabet: entity_timeline('Токаев') finds Тоқаевтың, Токаева and Қасым-Жомарт Тоқаев.
CREATE OR REPLACE MACRO entity_timeline(q) AS TABLE
WITH wanted AS (
    SELECT entity_id FROM entities
    WHERE fold_name(name) LIKE '%' || fold_name(q) || '%'
       OR fold_name(name_kk) LIKE '%' || fold_name(q) || '%'
       OR fold_name(name_ru) LIKE '%' || fold_name(q) || '%'
    UNION
    SELECT DISTINCT entity_id FROM entity_mentions WHERE fold_name(surface) LIKE fold_name(q) || '%'
)
SELECT d.name, d.published_date, d.language, count(*) AS mentions,
       count(DISTINCT d.key) AS articles
FROM entity_mentions_dated AS d
WHERE d.entity_id IN (SELECT entity_id FROM wanted)
GROUP BY ALL
ORDER BY d.published_date, d.language;

-- The most mentioned entities per ISO week and language.
CREATE OR REPLACE VIEW entity_weekly AS
SELECT date_trunc('week', published_date) AS week, language, entity_id, kind, name,
       count(*) AS mentions, count(DISTINCT key) AS articles
FROM entity_mentions_dated
GROUP BY ALL;

-- Stories that only one language's press covered.
CREATE OR REPLACE VIEW stories_one_language AS
SELECT * FROM stories WHERE len(languages) = 1;

-- People named in the same article, by the number of articles they share.
CREATE OR REPLACE VIEW people_together AS
WITH people AS (
    SELECT DISTINCT key, entity_id, name FROM entity_mentions_dated WHERE kind = 'person'
)
SELECT a.name AS person, b.name AS with_person, count(*) AS articles
FROM people AS a
JOIN people AS b ON a.key = b.key AND a.entity_id < b.entity_id
GROUP BY ALL;
