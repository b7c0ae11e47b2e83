"""Stage 4, quality: the GX engine and its process (engine, process), outcomes as plain data
(outcomes), what a failure does (decide), layout drift (drift), the run's summary (summary),
Data Docs rendering and offline assets, the reports lock, the quality summary artifact
(dq_summary) and the report page. May import every stage below it (common, source, search,
parse, lake)."""
