"""Load one run into the warehouse as one DuckLake snapshot."""

from __future__ import annotations

import json
import time
from contextlib import suppress
from dataclasses import asdict
from datetime import UTC, datetime

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl.common import checkpoints, interrupt
from newsetl.common.settings import Settings
from newsetl.lake import commit
from newsetl.lake.quarantine import QuarantineSource
from newsetl.parse.chunk import STAGED_TABLES, ChunkOutcome
from newsetl.quality.outcomes import ValidationReport
from newsetl.quality.summary import RunSummary
from tasks.state import open_writer

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
    """Apply the run as one DuckLake snapshot, search included (or, for a run that failed its
    quality gate, only record it)."""
    summary.finished_at = datetime.now(UTC)
    # A quarantine retry keeps each key's own source; an ingest claims its keys for its source.
    owner = None if settings.source.startswith(QuarantineSource.SCHEME) else settings.source
    run_ctx = pl.DataFrame(
        {"run_id": [summary.run_id], "source": [owner], "now": [summary.finished_at]},
        schema={"run_id": pl.String, "source": pl.String, "now": pl.Datetime("us", "UTC")},
    )
    in_order = sorted(outcomes, key=lambda o: o.index)
    batches = commit.batches_of_chunks([(o.files, o.checks["key"], o.rows) for o in in_order])
    started = time.perf_counter()
    con = open_writer(settings)
    try:
        summary.snapshot_id = commit.apply_run(
            con,
            run_ctx=run_ctx,
            plan=plan.select("key", "etag", "size", "last_modified", "change", "process"),
            decisions=decisions,
            batches=batches,
            staged_schemas=STAGED_TABLES,
            run_row=summary.run_row(),
            dq_rows=dq_frame(summary.run_id, reports),
            loaded=loaded,
            unread_rows=summary.unread_frame(),
        )
    finally:
        con.close()
    interrupt.note_committed(summary.run_id, summary.snapshot_id)
    checkpoints.reach("committed")
    with suppress(Exception):  # committed: nothing after this line may fail the run
        # What `make profile` reads to attribute the load's wall time.
        get_run_logger().info(
            "run %s written to %s (%s) as snapshot %d; load %.1f s",
            summary.run_id,
            settings.catalog.describe(),
            summary.status,
            summary.snapshot_id,
            time.perf_counter() - started,
        )
    return summary
