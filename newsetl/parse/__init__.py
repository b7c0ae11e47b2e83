"""Stage 2, parsing: bytes decoded (decode, text, markup for HTML left in), an article read from
its lines (article; zones finds the body first, classify gives every head and tail line a class
from features and the lexicons in lexicon/, pick and title choose the fields, dateline, dates,
language; head ties them together, explain says why), plain records (records), rows and frames
(rows), and the chunk worker that fetches, parses and stages a chunk as Parquet (chunk).
Plain Python, no Prefect. May import newsetl.common, newsetl.source and newsetl.search; never
the lake or quality."""
