"""Full-text search: tokens and stemmers (Russian Snowball, Kazakh suffix tables), the postings a
chunk stages (index), and the query macros installed into the lake (install). May import
newsetl.common only."""
