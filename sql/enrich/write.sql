-- Write one enrichment: the rows of every key it read (enriched or forgotten) are deleted and
-- the new ones inserted; new entities are added and existing ones gain a missing name. Bound by
-- newsetl.enrich.run: touched(key), new_mentions, new_entities, new_stories, new_links,
-- new_duplicates, new_signatures, run_row.
DELETE FROM entity_mentions WHERE key IN (SELECT key FROM touched);
DELETE FROM story_articles WHERE key IN (SELECT key FROM touched);
DELETE FROM story_links WHERE key IN (SELECT key FROM touched) OR linked_to IN (SELECT key FROM touched);
DELETE FROM near_duplicates
WHERE key IN (SELECT key FROM touched) OR duplicate_of IN (SELECT key FROM touched);
DELETE FROM newsetl_internal.enrich_signatures WHERE key IN (SELECT key FROM touched);

INSERT INTO entity_mentions BY NAME SELECT key, entity_id, position, surface FROM new_mentions;
INSERT INTO story_articles BY NAME SELECT story_id, key FROM new_stories;
INSERT INTO story_links BY NAME SELECT * FROM new_links;
INSERT INTO near_duplicates BY NAME SELECT * FROM new_duplicates;
INSERT INTO newsetl_internal.enrich_signatures BY NAME SELECT * FROM new_signatures;

-- Names: a run over every article (mode all) renames every entity it saw from the whole
-- archive's surfaces; a run over changes only fills a missing language's name.
UPDATE entities
SET name_kk = CASE WHEN r.mode = 'all' THEN coalesce(n.name_kk, entities.name_kk)
                   ELSE coalesce(entities.name_kk, n.name_kk) END,
    name_ru = CASE WHEN r.mode = 'all' THEN coalesce(n.name_ru, entities.name_ru)
                   ELSE coalesce(entities.name_ru, n.name_ru) END,
    name = CASE WHEN r.mode = 'all' THEN n.name
                ELSE coalesce(entities.name_ru, n.name_ru, entities.name) END
FROM new_entities AS n, run_row AS r
WHERE entities.entity_id = n.entity_id
  AND (r.mode = 'all'
    OR (entities.name_kk IS NULL AND n.name_kk IS NOT NULL)
    OR (entities.name_ru IS NULL AND n.name_ru IS NOT NULL));

INSERT INTO entities BY NAME
SELECT n.* FROM new_entities AS n
WHERE n.entity_id NOT IN (SELECT entity_id FROM entities);

INSERT INTO enrich_runs BY NAME SELECT * FROM run_row;
