"""Full-text search inside the lake, maintained in the same snapshot as the articles it indexes.

The parse workers tokenise and stem each article (newsetl.search.tokens) and stage its postings
with the chunk; the load inserts them beside the articles (sql/load/insert.sql) and deletes those
of replaced or deleted articles, so a run pays for what it changes, never for the archive, and a
failed run leaves search as it was with everything else. Queries rank with BM25 over the whole
warehouse (sql/search/macros.sql). `install.install` puts the query side's tables and macros in
place and re-installs them whenever the tokeniser's tables or the macros change.
"""
