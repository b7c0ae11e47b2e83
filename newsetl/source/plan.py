"""Decide what a run must do: compare the listing with the warehouse's `source_objects` state."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from newsetl.source.objects import ObjectRef, Wanted, matches

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
    # Folders that could not be listed, with the reason: what the warehouse knows under them is
    # reported as unread, never taken for deleted.
    unlisted: list[tuple[str, str]] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # a directory's links out of its root
    where: str = ""  # the source as its store describes it


def list_source(source: Any, pattern: str) -> Listing:
    """List an opened source (newsetl.source.stores, or the lake's quarantine) and split it by
    the pattern."""
    refs = list(source.list())
    outside = list(getattr(source, "outside", []))
    listing = split_listing(refs, pattern, getattr(source, "unlisted", []), outside)
    listing.outside = outside
    listing.where = source.describe()
    return listing


# A listing made in this process before its flow started (newsetl.lake.preplan, for the CLI),
# taken by the flow's listing task instead of listing the source a second time.
_HANDED_OVER: dict[tuple[str, str], Listing] = {}


def hand_over(source: str, pattern: str, listing: Listing) -> None:
    _HANDED_OVER[(source, pattern)] = listing


def take_handed_over(source: str, pattern: str) -> Listing | None:
    """The listing handed over for this source and pattern, once."""
    return _HANDED_OVER.pop((source, pattern), None)


def split_listing(
    refs: Iterable[ObjectRef],
    pattern: str,
    unlisted: list[tuple[str, str]] | None = None,
    outside: list[str] | None = None,
) -> Listing:
    """Objects matching the pattern, and the rest (with links out of a source folder, which are
    never read) as ignored."""
    kept: list[ObjectRef] = []
    ignored: list[str] = list(outside or [])
    for ref in refs:
        if matches(ref.key, pattern):
            kept.append(ref)
        else:
            ignored.append(ref.key)
    # column by column: a frame built from row tuples cost 0.4 s at 100,000 objects
    columns = {name: [getattr(ref, name) for ref in kept] for name in LISTING_SCHEMA}
    frame = pl.DataFrame(columns, schema=LISTING_SCHEMA)
    return Listing(matched=frame, ignored=ignored, unlisted=list(unlisted or []))


def plan_changes(
    listing: pl.DataFrame,
    state: pl.DataFrame,
    full_refresh: bool,
    unlisted: list[str] | tuple[str, ...] = (),
) -> pl.DataFrame:
    """One row per key: `change` is new, changed, unchanged, deleted or unread; `process` says
    whether this run must read the object. A changed ETag or size means changed; a key whose
    state is `deleted` counts as new when it reappears; a known key missing from the listing
    is deleted, unless it lies under a folder that could not be listed (`unlisted` prefixes):
    then it is unread."""
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
        .with_columns(
            change=pl.when(under(pl.col("key"), unlisted))
            .then(pl.lit("unread"))
            .otherwise(pl.lit("deleted"))
        )
    )
    plan = pl.concat([present, gone], how="vertical")
    process = pl.col("change").is_in(["new", "changed"])
    if full_refresh:
        process = pl.col("change").is_in(["new", "changed", "unchanged"])
    return plan.with_columns(process=process).sort("key")


def under(key: pl.Expr, prefixes: list[str] | tuple[str, ...]) -> pl.Expr:
    expr = pl.lit(False)
    for prefix in prefixes:
        expr = expr | key.str.starts_with(prefix)
    return expr


def unlisted_objects(plan: pl.DataFrame, unlisted: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The known objects under folders that could not be listed, with the reason."""
    found = []
    for key in plan.filter(pl.col("change") == "unread")["key"].to_list():
        reason = next((why for folder, why in unlisted if key.startswith(folder)), "not listed")
        found.append((key, f"its folder could not be listed: {reason}"))
    return found


def mark_unread(plan: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Objects the run could not read are left as the warehouse knew them: not processed, not
    deleted, and read again by the next run."""
    if not keys:
        return plan
    unread = pl.col("key").is_in(keys)
    return plan.with_columns(
        change=pl.when(unread).then(pl.lit("unread")).otherwise(pl.col("change")),
        process=pl.col("process") & ~unread,
    )


class PlanRefused(RuntimeError):
    """The plan looks like a mistake (a new source, a mass deletion): nothing was done."""


def check_plan(
    plan: pl.DataFrame,
    source: str,
    sources: list[str],
    *,
    new_source: bool,
    max_delete_share: float,
    allow_deletes: bool,
) -> None:
    """Refuse what a typo in a source or a prefix would do to a warehouse: feed it from a source
    it has never seen (unless it is empty, or `new_source`), or mark more than
    `max_delete_share` of the source's live objects deleted (unless `allow_deletes`)."""
    if sources and source not in sources and not new_source:
        known = ", ".join(sorted(sources)[:3]) + (" …" if len(sources) > 3 else "")
        raise PlanRefused(
            f"this warehouse has never been fed from {source} (its sources: {known}); "
            "check --source and --db, or pass --new-source to add it"
        )
    live = plan.filter(pl.col("change") != "new").height
    deleted = plan.filter(pl.col("change") == "deleted").height
    if live and deleted / live > max_delete_share and not allow_deletes:
        raise PlanRefused(
            f"{deleted} of {live} live objects of {source} ({deleted / live:.0%}) would be "
            f"marked deleted, above --max-delete-share {max_delete_share:.0%}; check the "
            "source, or pass --allow-deletes if they really are gone"
        )


def plan_examples(plan: pl.DataFrame, ignored: list[str], limit: int = 5) -> dict[str, list]:
    """A few keys of each kind of change, for a dry run."""
    examples = {
        change: plan.filter(pl.col("change") == change)["key"].head(limit).to_list()
        for change in ("new", "changed", "unchanged", "deleted", "unread")
    }
    examples["ignored"] = ignored[:limit]
    return examples


def plan_retry(listing: pl.DataFrame, state: pl.DataFrame) -> pl.DataFrame:
    """A quarantine retry reprocesses every held object and nothing else: objects outside the
    listing are not deleted, they simply are not part of this run."""
    held = state.join(listing.select("key"), on="key", how="semi")
    return plan_changes(listing, held, full_refresh=True)


# A run parsed by worker processes gives each worker at least this many chunks, so that the
# last chunks to end leave little of the cores idle; no chunk is cut below MIN_CHUNK objects.
CHUNKS_PER_PROCESS = 4
MIN_CHUNK = 100


def chunk_rows(objects: int, most: int, processes: int) -> int:
    """Objects per chunk task: `most` (the run's chunk size), or fewer where the run is too
    small to give each of `processes` parse workers CHUNKS_PER_PROCESS chunks of that size. A run
    parsed in its fetching threads (no processes) keeps `most`: each chunk is a task run that
    Prefect records, and one chunk parses no slower than several."""
    if processes <= 0 or objects <= 0:
        return most
    even = -(-objects // (CHUNKS_PER_PROCESS * processes))  # ceiling division
    return max(1, min(most, max(even, MIN_CHUNK)))


def wanted_chunks(plan: pl.DataFrame, size: int, processes: int = 0) -> list[pl.DataFrame]:
    """The objects a run reads, as frames of at most `size` rows (key, etag, size), one per
    chunk task (see `chunk_rows` for a run parsed by `processes` workers). A frame rather than a
    list of objects: Prefect walks a task's list parameters object by object (18 s of the flow
    process at 100,000 objects) and Dask rebuilds tuples, but both take a frame whole."""
    wanted = plan.filter("process").select(
        "key", pl.col("etag").fill_null(""), pl.col("size").fill_null(0)
    )
    rows = chunk_rows(wanted.height, size, processes)
    return [wanted.slice(offset, rows) for offset in range(0, wanted.height, rows)]


def wanted_in(chunk: pl.DataFrame) -> list[Wanted]:
    """The objects of one of `wanted_chunks`."""
    return [Wanted(key, etag, size) for key, etag, size in chunk.iter_rows()]
