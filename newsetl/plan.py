"""Decide what a run must do: compare the listing with the warehouse's `source_objects` state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from newsetl.source import ObjectRef, matches

LISTING_SCHEMA = {
    "key": pl.String,
    "etag": pl.String,
    "size": pl.Int64,
    "last_modified": pl.Datetime("us", "UTC"),
}
STATE_SCHEMA = {"key": pl.String, "etag": pl.String, "size": pl.Int64, "status": pl.String}


@dataclass
class Listing:
    matched: pl.DataFrame  # LISTING_SCHEMA
    ignored: list[str]


def split_listing(refs: Iterable[ObjectRef], pattern: str) -> Listing:
    rows: list[tuple] = []
    ignored: list[str] = []
    for ref in refs:
        if matches(ref.key, pattern):
            rows.append((ref.key, ref.etag, ref.size, ref.last_modified))
        else:
            ignored.append(ref.key)
    frame = pl.DataFrame(rows, schema=LISTING_SCHEMA, orient="row")
    return Listing(matched=frame, ignored=ignored)


def plan_changes(listing: pl.DataFrame, state: pl.DataFrame, full_refresh: bool) -> pl.DataFrame:
    """One row per key: `change` is new, changed, unchanged or deleted; `process` says whether this
    run must read the object. A changed ETag or size means changed; a key whose state is
    `deleted` counts as new when it reappears."""
    live = state.filter(pl.col("status") != "deleted").select(
        "key", pl.col("etag").alias("old_etag"), pl.col("size").alias("old_size")
    )
    joined = listing.join(live, on="key", how="left")
    present = joined.with_columns(
        change=pl.when(pl.col("old_etag").is_null())
        .then(pl.lit("new"))
        .when((pl.col("old_etag") != pl.col("etag")) | (pl.col("old_size") != pl.col("size")))
        .then(pl.lit("changed"))
        .otherwise(pl.lit("unchanged"))
    ).drop("old_etag", "old_size")
    gone = (
        live.join(listing.select("key"), on="key", how="anti")
        .select(
            "key",
            pl.col("old_etag").alias("etag"),
            pl.col("old_size").alias("size"),
            pl.lit(None, dtype=LISTING_SCHEMA["last_modified"]).alias("last_modified"),
        )
        .with_columns(change=pl.lit("deleted"))
    )
    plan = pl.concat([present, gone], how="vertical")
    process = pl.col("change").is_in(["new", "changed"])
    if full_refresh:
        process = pl.col("change") != "deleted"
    return plan.with_columns(process=process).sort("key")


def plan_retry(listing: pl.DataFrame, state: pl.DataFrame) -> pl.DataFrame:
    """A quarantine retry reprocesses every held object and nothing else: objects outside the
    listing are not deleted, they simply are not part of this run."""
    held = state.join(listing.select("key"), on="key", how="semi")
    return plan_changes(listing, held, full_refresh=True)


def chunks(keys: list[str], size: int) -> list[list[str]]:
    return [keys[i : i + size] for i in range(0, len(keys), size)]
