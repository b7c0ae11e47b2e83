-- The parser's head and tail lines per article, and how many of them no line class read
-- (`unknown` in `newsetl explain`): layout drift compares a prefix's share of unknown lines with
-- its last 7 days (sql/quality/drift_baseline.sql). Rows loaded before this migration have NULL,
-- which the baseline reads as no history.
ALTER TABLE articles ADD COLUMN frame_lines INTEGER;
ALTER TABLE articles ADD COLUMN unknown_lines INTEGER;
