"""newsetl: news articles from a bucket into a validated DuckDB warehouse."""
