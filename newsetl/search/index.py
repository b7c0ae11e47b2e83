"""Search postings for a chunk of articles, as frames the chunk stages beside its rows."""

from __future__ import annotations

import polars as pl

from newsetl.search.tokens import index_lang, terms

POSTINGS_SCHEMA = {"key": pl.String(), "lang": pl.String(), "term": pl.String(), "tf": pl.Int32()}
DOCS_SCHEMA = {"key": pl.String(), "lang": pl.String(), "length": pl.Int32()}


def index_frames(
    articles: list[tuple[str, str | None, str, str | None]],
) -> tuple[pl.DataFrame, ...]:
    """(search_docs, postings) frames for (key, title, body, language) tuples."""
    keys, langs, terms_, tfs = [], [], [], []
    docs = []
    for key, title, body, language in articles:
        lang = index_lang(language)
        counts = terms(f"{title or ''}\n{body}", lang)
        docs.append((key, lang, sum(counts.values())))
        # whole columns at a time: a Python loop per posting cost a fifth of the indexing
        keys.extend([key] * len(counts))
        langs.extend([lang] * len(counts))
        terms_.extend(counts.keys())
        tfs.extend(counts.values())
    return (
        pl.DataFrame(docs, schema=DOCS_SCHEMA, orient="row"),
        pl.DataFrame(
            {"key": keys, "lang": langs, "term": terms_, "tf": tfs}, schema=POSTINGS_SCHEMA
        ),
    )
