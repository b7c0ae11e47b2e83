"""The ingest flow: list, plan, fetch and parse in chunks, validate, load, report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, runtime
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.params import first_line, run_settings
from newsetl.common import interrupt, progress
from newsetl.common.settings import Settings
from newsetl.lake.staging import exclusive_run
from newsetl.parse.chunk import ChunkOutcome
from newsetl.quality.summary import ENRICHMENT_FAILED, RunSummary, new_run_id
from newsetl.source.plan import (
    Listing,
    PlanRefused,
    check_plan,
    mark_unread,
    plan_changes,
    plan_examples,
    unlisted_objects,
    wanted_chunks,
)
from tasks.fetch import (
    CHUNKS_IN_FLIGHT,
    fetch_and_parse,
    list_objects,
    start_parse_workers,
    stop_chunks,
)
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


class InvariantBroken(RuntimeError):
    """The counts do not place every listed object exactly once: nothing is committed."""


def fetch_in_chunks(settings: Settings, plan: pl.DataFrame, stage_dir: Path) -> list[ChunkOutcome]:
    """Every chunk's task runs to its end before a failure goes up, so that no task still writes
    into the staging folder when the run removes it."""
    total = int(plan["process"].sum())
    settings = start_parse_workers(settings, total)
    batches = wanted_chunks(plan, settings.chunk_size, settings.parse_processes)
    futures = [
        fetch_and_parse.submit(settings, batch, stage_dir, index)
        for index, batch in enumerate(batches)
    ]
    outcomes: list[ChunkOutcome] = []
    failures: list[BaseException] = []
    done = 0
    progress.advance("fetch", 0, total)
    try:
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except Exception as exc:
                failures.append(exc)
                continue
            outcomes.append(outcome)
            done += outcome.checks.height + len(outcome.unread)
            progress.advance("fetch", done, total)
    except BaseException as exc:  # a signal: the chunks give up, and are waited for
        stop_chunks(futures, exc)
        raise
    if failures:
        raise failures[0]
    return outcomes


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
    outcomes = fetch_in_chunks(settings, plan, stage_dir)
    unread = [pair for outcome in outcomes for pair in outcome.unread]
    summary.record_unread(unread)
    plan = mark_unread(plan, [key for key, _ in unread])

    progress.phase("validating")
    validation = validate_run(
        settings, summary.run_id, listing, outcomes, known.live_hashes, known.drift_baseline
    )
    summary.record_validation(
        validation.decisions,
        [o for report in validation.reports for o in report.outcomes if not o.success],
        validation.verdict,
    )
    if not summary.accounted():
        raise InvariantBroken(
            f"run {summary.run_id} does not place every listed object exactly once "
            f"({summary.counts()}); nothing was committed"
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
    run_id = new_run_id()
    interrupt.note_run(run_id)
    return RunSummary(
        run_id=run_id,
        source=settings.source,
        db=settings.catalog.describe(),
        started_at=datetime.now(UTC),
        flow_run_id=runtime.flow_run.id,
    )


def finish(settings: Settings, summary: RunSummary) -> RunSummary:
    """Reports for every run that got as far as recording itself; a failed gate fails the flow.
    The run is committed by now: a report that fails is put on record in the summary (the
    command exits 4), not raised, and the next run builds the reports again."""
    logger = get_run_logger()
    progress.phase("reports")
    try:
        summary.data_docs = build_data_docs(settings)
    except Exception as exc:
        summary.followup_errors.append(f"Data Docs: {first_line(exc)}")
    try:
        publish_summary(summary)
    except Exception as exc:
        summary.followup_errors.append(f"run artifact: {first_line(exc)}")
    for error in summary.followup_errors:
        logger.error("run %s committed, but a step after it failed: %s", summary.run_id, error)
    if not summary.ok:
        raise RunFailed(summary)
    return summary


def enrich_after(settings: Settings, summary: RunSummary) -> None:
    """`--enrich`: the enrichment of what the run committed (and of whatever earlier
    enrichments left), in this flow run. The run is committed by now: a failed enrichment is
    put on record in the summary (the command exits 4), and the next enrichment reads the same
    changes again."""
    # Imported here: a run without --enrich does not pay for the enrichment's modules (0.35 s).
    from flows.enrich import enrich_and_check

    try:
        enrichment = enrich_and_check(settings)
    except Exception as exc:
        if interrupt.stopping():
            raise
        summary.followup_errors.append(f"{ENRICHMENT_FAILED}: {first_line(exc)}")
        return
    summary.followup_errors += enrichment.pop("followup_errors")
    summary.enrichment = enrichment


def plan_only(settings: Settings, summary: RunSummary) -> RunSummary:
    """The plan, and whether it would be refused; nothing is locked, migrated or written."""
    known = open_warehouse(settings, settings.source, read_only=True)
    listing = list_objects(settings)
    plan = plan_changes(
        listing.matched, known.objects, settings.full_refresh, unlisted_prefixes(listing)
    )
    summary.record_plan(plan, ignored=len(listing.ignored))
    summary.record_unread(unlisted_objects(plan, listing.unlisted))
    summary.status = "dry_run"
    summary.plan_examples = plan_examples(plan, listing.ignored)
    try:
        guard(settings, plan, known)
        summary.message = "dry run: nothing was changed"
    except PlanRefused as exc:
        summary.message = f"dry run: the run would be refused: {exc}"
    return summary


def unlisted_prefixes(listing: Listing) -> list[str]:
    return [folder for folder, _ in listing.unlisted]


def guard(settings: Settings, plan: pl.DataFrame, known: WarehouseState) -> None:
    check_plan(
        plan,
        settings.source,
        known.sources,
        new_source=settings.new_source,
        max_delete_share=settings.max_delete_share,
        allow_deletes=settings.allow_deletes,
    )


@flow(name="ingest-news", task_runner=ThreadPoolTaskRunner(max_workers=CHUNKS_IN_FLIGHT))
def ingest_news(
    source: str = "data/sample",
    db: str = "warehouse/news.sqlite",
    data_path: str | None = None,
    endpoint_url: str | None = None,
    pattern: str = "*.txt",
    full_refresh: bool = False,
    max_object_bytes: int = 8 * 1024 * 1024,
    new_source: bool = False,
    max_delete_share: float = 0.1,
    allow_deletes: bool = False,
    dry_run: bool = False,
    enrich: bool = False,
    workers: int = 16,
    chunk_size: int = 2000,
    critical_threshold: float = 0.2,
    lock_timeout: float = 60.0,
    reports_dir: str = "reports",
    parse_processes: int | None = None,
) -> RunSummary:
    settings = run_settings(
        source=source,
        db=db,
        data_path=data_path,
        endpoint_url=endpoint_url,
        pattern=pattern,
        full_refresh=full_refresh,
        max_object_bytes=max_object_bytes,
        new_source=new_source,
        max_delete_share=max_delete_share,
        allow_deletes=allow_deletes,
        dry_run=dry_run,
        enrich=enrich,
        workers=workers,
        chunk_size=chunk_size,
        critical_threshold=critical_threshold,
        lock_timeout=lock_timeout,
        reports_dir=Path(reports_dir),
        **({} if parse_processes is None else {"parse_processes": parse_processes}),
    )
    summary = new_summary(settings)
    if settings.dry_run:
        return plan_only(settings, summary)
    with exclusive_run(settings, summary.run_id) as stage:
        progress.phase("warehouse")
        warm_up(settings)
        known = open_warehouse(settings, settings.source)
        progress.phase("listing")
        listing = list_objects(settings)
        plan = plan_changes(
            listing.matched, known.objects, settings.full_refresh, unlisted_prefixes(listing)
        )
        guard(settings, plan, known)
        summary.record_plan(plan, ignored=len(listing.ignored))
        summary.record_unread(unlisted_objects(plan, listing.unlisted))
        summary = process_plan(settings, summary, listing.matched, plan, known, stage)
    if settings.enrich and summary.ok:
        enrich_after(settings, summary)
    return finish(settings, summary)
