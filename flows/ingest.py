"""The ingest flow: list, plan, fetch and parse in chunks, validate, load, report."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from prefect import flow, runtime
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from newsetl import progress
from newsetl.plan import chunks, plan_changes
from newsetl.settings import Settings
from newsetl.summary import RunSummary, new_run_id
from newsetl.warehouse import writer_lock
from tasks.fetch import CHUNKS_IN_FLIGHT, fetch_and_parse, list_objects
from tasks.load import load_run
from tasks.report import build_data_docs, publish_summary
from tasks.state import WarehouseState, open_warehouse
from tasks.validate import validate_run
from tasks.warm import warm_up


class RunFailed(RuntimeError):
    """The run committed nothing but its own record; the summary says why."""

    def __init__(self, summary: RunSummary):
        super().__init__(summary.message)
        self.summary = summary


@contextmanager
def exclusive_run(settings: Settings, run_id: str) -> Iterator[Path]:
    """The writer lock for the whole run, and a staging folder that is gone afterwards."""
    stage_dir = settings.staging_dir / run_id
    with writer_lock(settings.catalog, settings.lock_timeout, scope=settings.source):
        stage_dir.mkdir(parents=True, exist_ok=True)
        try:
            yield stage_dir
        finally:
            shutil.rmtree(stage_dir, ignore_errors=True)
            with suppress(OSError):
                stage_dir.parent.rmdir()  # only when no other run stages there


def process_plan(
    settings: Settings,
    summary: RunSummary,
    listing: pl.DataFrame,
    plan: pl.DataFrame,
    known: WarehouseState,
    stage_dir: Path,
) -> RunSummary:
    """Fetch and parse the planned objects in chunks, validate them, load them: the part an
    ingest and a quarantine retry share."""
    keys = plan.filter("process")["key"].to_list()
    futures = [
        fetch_and_parse.submit(settings, batch, stage_dir, index)
        for index, batch in enumerate(chunks(keys, settings.chunk_size))
    ]
    outcomes = []
    done = 0
    progress.advance("fetch", 0, len(keys))
    for future in as_completed(futures):
        outcome = future.result()
        outcomes.append(outcome)
        done += outcome.checks.height
        progress.advance("fetch", done, len(keys))

    progress.phase("validating")
    validation = validate_run(
        settings, summary.run_id, listing, outcomes, known.live_hashes, known.drift_baseline
    )
    summary.record_validation(
        validation.decisions,
        [o for report in validation.reports for o in report.outcomes if not o.success],
        validation.verdict,
    )
    progress.phase("loading")
    return load_run(
        settings,
        summary,
        plan,
        validation.decisions,
        outcomes,
        validation.reports,
        loaded=validation.verdict.passed,
    )


def new_summary(settings: Settings) -> RunSummary:
    return RunSummary(
        run_id=new_run_id(),
        source=settings.source,
        db=settings.catalog.describe(),
        started_at=datetime.now(UTC),
        flow_run_id=runtime.flow_run.id,
    )


def finish(settings: Settings, summary: RunSummary) -> RunSummary:
    """Reports for every run that got as far as recording itself; a failed gate fails the flow."""
    progress.phase("reports")
    summary.data_docs = build_data_docs(settings)
    publish_summary(summary)
    if not summary.ok:
        raise RunFailed(summary)
    return summary


@flow(name="ingest-news", task_runner=ThreadPoolTaskRunner(max_workers=CHUNKS_IN_FLIGHT))
def ingest_news(
    source: str = "data/sample",
    db: str = "warehouse/news.sqlite",
    data_path: str | None = None,
    endpoint_url: str | None = None,
    pattern: str = "*.txt",
    full_refresh: bool = False,
    workers: int = 16,
    chunk_size: int = 500,
    critical_threshold: float = 0.2,
    lock_timeout: float = 60.0,
    reports_dir: str = "reports",
    parse_processes: int | None = None,
) -> RunSummary:
    settings = Settings(
        source=source,
        db=db,
        data_path=data_path,
        endpoint_url=endpoint_url,
        pattern=pattern,
        full_refresh=full_refresh,
        workers=workers,
        chunk_size=chunk_size,
        critical_threshold=critical_threshold,
        lock_timeout=lock_timeout,
        reports_dir=Path(reports_dir),
        **({} if parse_processes is None else {"parse_processes": parse_processes}),
    )
    summary = new_summary(settings)
    with exclusive_run(settings, summary.run_id) as stage:
        progress.phase("warehouse")
        warm_up(settings)
        known = open_warehouse(settings, settings.source)
        progress.phase("listing")
        listing = list_objects(settings)
        plan = plan_changes(listing.matched, known.objects, settings.full_refresh)
        summary.record_plan(plan, ignored=len(listing.ignored))
        summary = process_plan(settings, summary, listing.matched, plan, known, stage)
    return finish(settings, summary)
