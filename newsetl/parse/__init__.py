"""Stage 2, parsing: bytes decoded (decode, text), an article read from its lines (article,
head, dateline, layout, dates, language) into plain records (records), rows and frames built
(rows), and the chunk worker that fetches, parses and stages a chunk as Parquet (chunk).
Plain Python, no Prefect. May import newsetl.common, newsetl.source and newsetl.search; never
the lake or quality."""
