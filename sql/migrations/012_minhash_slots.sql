-- A signature's MinHash is read for every article of the days around a new one: its 64 slots
-- are kept as the low 16 bits of each hash, packed little-endian in one BLOB of 128 bytes
-- (newsetl.enrich.duplicates), a fifth of what 64 integers cost to read. Signatures written
-- before this migration are converted in place by the same rule; their similarities do not
-- change but where two different hashes share their low bits (one slot in 65,536).
ALTER TABLE newsetl_internal.enrich_signatures ADD COLUMN minhash_slots BLOB;

UPDATE newsetl_internal.enrich_signatures
SET minhash_slots = coalesce(unhex(list_aggregate(
    list_transform(minhash, x -> printf('%02x%02x', x & 255, (x >> 8) & 255)), 'string_agg', ''
)), ''::BLOB);

ALTER TABLE newsetl_internal.enrich_signatures DROP COLUMN minhash;
ALTER TABLE newsetl_internal.enrich_signatures RENAME COLUMN minhash_slots TO minhash;
