-- What the enrichment suite validates (expectations/enrichment.json, newsetl.quality.enrichment)
-- for one enrichment, the one committed as snapshot $snapshot: the articles it wrote a story for
-- (the change feed of story_articles at that snapshot, so the cost follows the enrichment, not
-- the archive), per language the share of them with at least one entity mention, and every
-- story they are in with its size and its span in days.
WITH enriched AS (
    SELECT DISTINCT key, story_id
    FROM ducklake_table_changes('news', 'main', 'story_articles', $snapshot, $snapshot)
    WHERE change_type IN ('insert', 'update_postimage')
),
named AS (
    SELECT DISTINCT m.key
    FROM entity_mentions AS m
    WHERE m.key IN (SELECT key FROM enriched)
),
languages AS (
    SELECT 'language' AS kind,
           'language ' || coalesce(a.language, 'unknown') AS key,
           count(*) AS articles,
           avg(CASE WHEN n.key IS NULL THEN 0.0 ELSE 1.0 END) AS entity_share,
           CAST(NULL AS INTEGER) AS span_days
    FROM enriched AS e
    JOIN articles_current AS a USING (key)
    LEFT JOIN named AS n USING (key)
    GROUP BY ALL
),
sizes AS (
    SELECT s.story_id,
           count(*) AS articles,
           date_diff('day', min(a.published_date), max(a.published_date)) AS span_days
    FROM story_articles AS s
    JOIN articles_current AS a USING (key)
    WHERE s.story_id IN (SELECT story_id FROM enriched)
    GROUP BY ALL
)
SELECT kind, key, articles, entity_share, span_days FROM languages
UNION ALL
SELECT 'story', 'story ' || story_id, articles, NULL, span_days FROM sizes
ORDER BY kind, key;
