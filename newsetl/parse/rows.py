"""Turn parse results into Polars frames: the rows the warehouse stores and the rows GX checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from newsetl.parse.records import Article, ParseResult, Rejection

ARTICLE_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.String(),
    "doc_id": pl.String(),
    "title": pl.String(),
    "author": pl.String(),
    "published_date": pl.Date(),
    "published_at": pl.Datetime("us", "UTC"),
    "date_source": pl.String(),
    "layout": pl.String(),
    "language": pl.String(),
    "language_confidence": pl.Float64(),
    "section": pl.String(),
    "views": pl.Int32(),
    "reading_minutes": pl.Int32(),
    "photo_credit": pl.String(),
    "photo_caption": pl.String(),
    "dateline_place": pl.String(),
    "dateline_date": pl.Date(),
    "agency": pl.String(),
    "body": pl.String(),
    "paragraph_count": pl.Int32(),
    "char_count": pl.Int32(),
    "word_count": pl.Int32(),
    "source_encoding": pl.String(),
    "content_sha256": pl.String(),
    "mixed_script_tokens": pl.List(pl.String()),
    "mojibake_repaired": pl.Boolean(),
    "frame_lines": pl.Int32(),  # head and tail lines, and those of no known class (layout drift)
    "unknown_lines": pl.Int32(),
}
PARAGRAPH_SCHEMA = {"key": pl.String(), "position": pl.Int32(), "text": pl.String()}
RAW_SCHEMA = {"key": pl.String(), "raw": pl.Binary()}
# What GX validates: small columns only, so a whole run's checks fit in memory at any corpus size.
CHECK_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.String(),
    "content_status": pl.String(),
    "title": pl.String(),
    "title_length": pl.Int64(),
    "body_length": pl.Int64(),
    "title_equals_body": pl.Boolean(),
    "language": pl.String(),
    "published_date": pl.Date(),
    "dateline_date": pl.Date(),
    "mixed_script_count": pl.Int64(),
    "mojibake_repaired": pl.Boolean(),
    "content_sha256": pl.String(),
    "source_encoding": pl.String(),
    "parser_reasons": pl.List(pl.String()),
    "frame_lines": pl.Int64(),
    "unknown_lines": pl.Int64(),
}

# The columns GX validates (the suites in expectations/ name them): the checks plus
# `duplicate_of`, which needs the whole batch and the warehouse (see mark_duplicates).
VALIDATION_SCHEMA: dict[str, pl.DataType] = {
    **{
        name: CHECK_SCHEMA[name]
        for name in (
            "key",
            "content_status",
            "title",
            "title_length",
            "body_length",
            "title_equals_body",
            "language",
            "published_date",
            "dateline_date",
            "mixed_script_count",
            "mojibake_repaired",
        )
    },
    "duplicate_of": pl.String(),
}


@dataclass
class ChunkFrames:
    articles: pl.DataFrame
    paragraphs: pl.DataFrame
    raw: pl.DataFrame
    checks: pl.DataFrame


def _check_row(result: ParseResult) -> tuple:
    if isinstance(result, Rejection):
        return (
            result.key,
            result.status,
            None,
            None,
            0,
            False,
            None,
            None,
            None,
            0,
            False,
            result.content_sha256,
            result.source_encoding,
            list(result.reasons),
            0,
            0,
        )
    title = result.title
    return (
        result.key,
        "ok",
        title,
        len(title) if title is not None else None,
        result.char_count,
        title is not None and title.strip() == result.body.strip(),
        result.language,
        result.published_date,
        result.dateline_date,
        len(result.mixed_script_tokens),
        result.mojibake_repaired,
        result.content_sha256,
        result.source_encoding,
        [],
        result.frame_lines,
        result.unknown_lines,
    )


def _article_row(article: Article) -> tuple:
    return tuple(getattr(article, name) for name in ARTICLE_SCHEMA)


def build_frames(results: Sequence[tuple[ParseResult, bytes]]) -> ChunkFrames:
    """One chunk's parse results (with their raw bytes) as frames ready to stage."""
    articles = [r for r, _ in results if isinstance(r, Article)]
    paragraph_rows = [
        (a.key, position, text)
        for a in articles
        for position, text in enumerate(a.paragraphs, start=1)
    ]
    return ChunkFrames(
        articles=pl.DataFrame(
            [_article_row(a) for a in articles], schema=ARTICLE_SCHEMA, orient="row"
        ),
        paragraphs=pl.DataFrame(paragraph_rows, schema=PARAGRAPH_SCHEMA, orient="row"),
        raw=pl.DataFrame([(r.key, raw) for r, raw in results], schema=RAW_SCHEMA, orient="row"),
        checks=pl.DataFrame([_check_row(r) for r, _ in results], schema=CHECK_SCHEMA, orient="row"),
    )


def mark_duplicates(checks: pl.DataFrame, existing: pl.DataFrame) -> pl.DataFrame:
    """Add `duplicate_of`: the key of an earlier copy of the same content. Within the batch the
    smallest key is the original; an article already in the warehouse (`existing`: key,
    content_sha256 of live articles outside this batch) is always the original."""
    batch = checks.filter(pl.col("content_status") == "ok").select(
        pl.col("key").alias("other"), "content_sha256"
    )
    earlier_in_batch = (
        checks.select("key", "content_sha256")
        .join(batch, on="content_sha256", how="inner")
        .filter(pl.col("other") < pl.col("key"))
    )
    in_warehouse = (
        checks.select("key", "content_sha256")
        .join(existing.select(pl.col("key").alias("other"), "content_sha256"), on="content_sha256")
        .filter(pl.col("other") != pl.col("key"))
    )
    originals = (
        pl.concat([earlier_in_batch, in_warehouse])
        .group_by("key")
        .agg(pl.col("other").min().alias("duplicate_of"))
    )
    return checks.join(originals, on="key", how="left")
