-- `newsetl quarantine list`: what is held and why, newest first.
SELECT key, size, reasons, source_encoding, quarantined_at, run_id
FROM quarantine
WHERE deleted_at IS NULL
ORDER BY quarantined_at DESC, key;
