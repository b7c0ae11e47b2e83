"""Search postings for a chunk of articles, as frames the chunk stages beside its rows."""

from __future__ import annotations

import polars as pl

from newsetl.search.tokens import index_lang, terms

POSTINGS_SCHEMA = {
    "key": pl.String(),
    "lang": pl.String(),
    "term": pl.String(),
    "tf": pl.Int32(),
    "length": pl.Int32(),  # the article's indexed tokens: the load files the posting by it
}
DOCS_SCHEMA = {"key": pl.String(), "lang": pl.String(), "length": pl.Int32()}
# How many of a chunk's articles hold each term: the load adds them to the lake's counts.
TERMS_SCHEMA = {"lang": pl.String(), "term": pl.String(), "n": pl.UInt32()}


def term_counts(postings: pl.DataFrame) -> pl.DataFrame:
    """A postings frame's articles per (lang, term) (one posting per article and term)."""
    return postings.group_by(["lang", "term"]).len(name="n").cast(TERMS_SCHEMA)


def index_frames(
    articles: list[tuple[str, str | None, str, str | None]],
) -> tuple[pl.DataFrame, ...]:
    """(search_docs, postings) frames for (key, title, body, language) tuples."""
    keys, langs, terms_, tfs, lengths = [], [], [], [], []
    docs = []
    for key, title, body, language in articles:
        lang = index_lang(language)
        counts = terms(f"{title or ''}\n{body}", lang)
        length = sum(counts.values())
        docs.append((key, lang, length))
        # whole columns at a time: a Python loop per posting cost a fifth of the indexing
        n = len(counts)
        keys += [key] * n
        langs += [lang] * n
        terms_ += counts.keys()
        tfs += counts.values()
        lengths += [length] * n
    return (
        pl.DataFrame(docs, schema=DOCS_SCHEMA, orient="row"),
        pl.DataFrame(
            {"key": keys, "lang": langs, "term": terms_, "tf": tfs, "length": lengths},
            schema=POSTINGS_SCHEMA,
        ),
    )
