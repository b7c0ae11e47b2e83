-- `newsetl explain KEY`: where the bytes of a loaded or held object can be read again: the
-- source listing that holds it, the loaded row's content hash, and the held bytes if quarantined.
SELECT o.source,
       o.status,
       coalesce(a.content_sha256, o.content_sha256) AS loaded_sha256,
       q.raw AS held_raw
FROM (SELECT $key AS key) AS k
LEFT JOIN source_objects AS o ON o.key = k.key
LEFT JOIN articles AS a ON a.key = k.key AND a.deleted_at IS NULL
LEFT JOIN quarantine AS q ON q.key = k.key AND q.deleted_at IS NULL
ORDER BY o.last_run_id DESC NULLS LAST
LIMIT 1;
