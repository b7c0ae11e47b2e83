-- A run over every article (mode all) drops the entities no mention refers to any more, after
-- enrich/write.sql in the same transaction. A run over changes leaves them: this reads every
-- mention of the lake, a cost that would follow the archive rather than the changes.
DELETE FROM entities WHERE entity_id NOT IN (SELECT entity_id FROM entity_mentions);
