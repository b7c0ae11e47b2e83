-- Linking reads the word prefixes of every signature of the days around a new article: kept as
-- integers (newsetl.enrich.fold.prefix_code: each letter's code point in 12 bits, 4095 for any
-- past U+0FFE, the first letter lowest), they cost a fraction of strings to read and to count.
-- Signatures written before this migration are converted in place by the same rule.
ALTER TABLE newsetl_internal.enrich_signatures ADD COLUMN prefix_codes UBIGINT[];

UPDATE newsetl_internal.enrich_signatures
SET prefix_codes = list_transform(prefixes, p -> list_sum(list_transform(
    range(length(p)),
    i -> least(unicode(substring(p, i + 1, 1)), 4095)::UBIGINT << (12 * i)
))::UBIGINT);

ALTER TABLE newsetl_internal.enrich_signatures DROP COLUMN prefixes;
