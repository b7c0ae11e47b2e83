-- `newsetl quarantine list`: what is held and why, newest first.
SELECT key, size, array_to_string(reasons, ', ') AS reasons, source_encoding,
       strftime(quarantined_at, '%Y-%m-%d %H:%M') AS quarantined_at, run_id
FROM quarantine
WHERE deleted_at IS NULL
ORDER BY quarantined_at DESC, key;
