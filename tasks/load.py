"""Load one run into the warehouse in a single DuckDB transaction."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl import search, snapshot, warehouse
from newsetl.chunk import STAGED_TABLES, ChunkOutcome
from newsetl.quality import ValidationReport
from newsetl.settings import Settings
from newsetl.summary import RunSummary

DQ_SCHEMA = {
    "run_id": pl.String(),
    "suite": pl.String(),
    "expectation": pl.String(),
    "expectation_type": pl.String(),
    "column_name": pl.String(),
    "severity": pl.String(),
    "success": pl.Boolean(),
    "element_count": pl.Int64(),
    "unexpected_count": pl.Int64(),
    "unexpected_percent": pl.Float64(),
    "details": pl.String(),
}


def dq_frame(run_id: str, reports: list[ValidationReport]) -> pl.DataFrame:
    rows = []
    for report in reports:
        for outcome in report.outcomes:
            data = asdict(outcome)
            data["details"] = json.dumps(data["details"], ensure_ascii=False, default=str)
            rows.append({"run_id": run_id, **data})
    return pl.DataFrame(rows, schema=DQ_SCHEMA)


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[name] = time.perf_counter() - started


@task(name="load", cache_policy=NO_CACHE)
def load_run(
    settings: Settings,
    summary: RunSummary,
    plan: pl.DataFrame,
    decisions: pl.DataFrame,
    outcomes: list[ChunkOutcome],
    reports: list[ValidationReport],
    loaded: bool,
) -> RunSummary:
    """Apply the run (or, for a run that failed its quality gate, only record it)."""
    summary.finished_at = datetime.now(UTC)
    run_ctx = pl.DataFrame({"run_id": [summary.run_id], "now": [summary.finished_at]})
    staged_files = {
        name: [o.files[name] for o in sorted(outcomes, key=lambda o: o.index)]
        for name in STAGED_TABLES
    }
    seconds: dict[str, float] = {}
    built = 0
    con = warehouse.connect(
        settings.db, timeout=settings.lock_timeout, memory_limit=settings.duckdb_memory_limit
    )
    try:
        with _timed(seconds, "merge"):
            warehouse.apply_run(
                con,
                run_ctx=run_ctx,
                plan=plan.select("key", "etag", "size", "last_modified", "change", "process"),
                decisions=decisions,
                staged_files=staged_files,
                staged_schemas=STAGED_TABLES,
                run_row=summary.run_row(),
                dq_rows=dq_frame(summary.run_id, reports),
                loaded=loaded,
            )
        # Search is rebuilt after the commit: a failed rebuild never costs a loaded run, and
        # analysts only see it through the snapshot published next.
        changed = loaded and (summary.loaded + summary.quarantined + summary.deleted) > 0
        with _timed(seconds, "search"):
            if changed or not search.search_index_present(con):
                built = len(search.refresh_search_index(con).built)
    finally:
        con.close()
    with _timed(seconds, "snapshot"):
        published = snapshot.publish_snapshot(settings.db, timeout=settings.lock_timeout)
    # The split is what `make profile` reads to attribute the load's wall time.
    get_run_logger().info(
        "run %s written to %s (%s), snapshot %s; merge %.1f s, search %.1f s "
        "(%d partitions built), snapshot %.1f s",
        summary.run_id,
        settings.db,
        summary.status,
        published,
        seconds["merge"],
        seconds["search"],
        built,
        seconds["snapshot"],
    )
    summary.snapshot = str(published)
    return summary
