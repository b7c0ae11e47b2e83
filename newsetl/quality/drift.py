"""Layout drift: when an outlet changes its page template, fields quietly go empty. Per source
prefix (a key's first folder), the share of a batch's articles with a publication date, and with a
title under 400 characters, against that prefix's articles loaded in the last 7 days; and the
share of the batch's head and tail lines that no line class of the parser read (`unknown`), which
rises when an outlet starts printing labels the lexicons do not know: against the same 7 days
when the prefix has that history (the rise, in points), against a fixed ceiling when it has none.
Plain functions: the warehouse gives the baseline (sql/quality/drift_baseline.sql), GX decides
whether a change is a failure (expectations/drift.json)."""

from __future__ import annotations

import polars as pl

TITLE_LIMIT = 400
# Per-article counts from the parser (newsetl.parse.records.Article); absent columns count 0.
UNKNOWN_COLUMNS = ("frame_lines", "unknown_lines")
BASELINE_DAYS = 7
# A prefix's unknown-line share is compared with its history only when the batch gave it at
# least this many head and tail lines: one odd article is not a trend.
MIN_FRAME_LINES = 10

BASELINE_SCHEMA = {
    "prefix": pl.String(),
    "articles": pl.Int64(),
    "dated": pl.Int64(),
    "short_title": pl.Int64(),
    "frame_lines": pl.Int64(),  # NULL when none of the articles recorded its lines
    "unknown_lines": pl.Int64(),
}
# What the drift suite validates: one row per prefix of the batch. The prefix is in `key`, the
# column GX names failing rows by, so a report names the prefix that drifted.
DRIFT_SCHEMA = {
    "key": pl.String(),
    "articles": pl.Int64(),
    "dated_share": pl.Float64(),
    "short_title_share": pl.Float64(),
    "baseline_articles": pl.Int64(),
    "baseline_dated_share": pl.Float64(),
    "baseline_short_title_share": pl.Float64(),
    "dated_share_drop": pl.Float64(),  # percentage points; NULL without a baseline
    "short_title_share_drop": pl.Float64(),
    "unknown_line_share": pl.Float64(),  # NULL when the prefix's articles had no head/tail lines
    "baseline_unknown_line_share": pl.Float64(),  # NULL without history
    # points above the baseline; NULL without history or with fewer than MIN_FRAME_LINES lines
    "unknown_line_share_rise": pl.Float64(),
    "unknown_line_share_without_history": pl.Float64(),  # the share, for a prefix without history
}


def prefix_expr(column: str = "key") -> pl.Expr:
    """A key's first folder, '' for a key at the top (the SQL side: split_part(key, '/', 1))."""
    key = pl.col(column)
    return (
        pl.when(key.str.contains("/", literal=True))
        .then(key.str.split("/").list.first())
        .otherwise(pl.lit(""))
    )


def drift_frame(checks: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """`checks`: the batch's parsed articles (key, published_date, title_length), rejections
    left out; `baseline`: BASELINE_SCHEMA rows of the last days."""
    if checks.is_empty():
        return pl.DataFrame(schema=DRIFT_SCHEMA)
    missing = [pl.lit(0, pl.Int64).alias(c) for c in UNKNOWN_COLUMNS if c not in checks.columns]
    now = (
        checks.with_columns(*missing, prefix=prefix_expr())
        .group_by("prefix")
        .agg(
            articles=pl.len().cast(pl.Int64),
            dated_share=pl.col("published_date").is_not_null().mean(),
            short_title_share=(pl.col("title_length") < TITLE_LIMIT).fill_null(False).mean(),
            frame_lines=pl.col("frame_lines").fill_null(0).sum(),
            unknown_lines=pl.col("unknown_lines").fill_null(0).sum(),
        )
        .with_columns(
            unknown_line_share=pl.when(pl.col("frame_lines") > 0).then(
                pl.col("unknown_lines") / pl.col("frame_lines")
            )
        )
    )
    lines = [pl.lit(None, pl.Int64).alias(c) for c in UNKNOWN_COLUMNS if c not in baseline.columns]
    before = (
        baseline.with_columns(*lines)
        .select(
            "prefix",
            baseline_articles=pl.col("articles"),
            baseline_dated_share=pl.col("dated") / pl.col("articles"),
            baseline_short_title_share=pl.col("short_title") / pl.col("articles"),
            baseline_unknown_line_share=pl.when(pl.col("frame_lines") > 0).then(
                pl.col("unknown_lines") / pl.col("frame_lines")
            ),
        )
        .filter(pl.col("baseline_articles") > 0)
    )
    joined = now.join(before, on="prefix", how="left").with_columns(
        dated_share_drop=(pl.col("baseline_dated_share") - pl.col("dated_share")) * 100,
        short_title_share_drop=(pl.col("baseline_short_title_share") - pl.col("short_title_share"))
        * 100,
        unknown_line_share_rise=pl.when(pl.col("frame_lines") >= MIN_FRAME_LINES).then(
            (pl.col("unknown_line_share") - pl.col("baseline_unknown_line_share")) * 100
        ),
        unknown_line_share_without_history=pl.when(
            pl.col("baseline_unknown_line_share").is_null()
        ).then(pl.col("unknown_line_share")),
    )
    return (
        joined.rename({"prefix": "key"})
        .select([pl.col(name).cast(dtype) for name, dtype in DRIFT_SCHEMA.items()])
        .sort("key")
    )
