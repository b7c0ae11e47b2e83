"""`newsetl run`: ingest new and changed objects, and the outcome as a table or JSON with its
exit code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from rich.table import Table
from rich.text import Text

from newsetl.cli.options import JsonOption, VerboseOption, settings_options
from newsetl.cli.terminal import (
    EXIT_FAILED,
    EXIT_FOLLOWUP,
    EXIT_OK,
    EXIT_UNREAD,
    Feedback,
    command_seconds,
    console,
    fail,
    print_json,
)
from newsetl.cli.writer import (
    drop_quality,
    one_line,
    start_prefect,
    warm_quality,
    writing,
)
from newsetl.common.settings import Settings


def exit_code(summary: Any) -> int:
    """0 committed with every listed object in its place; 1 failed (nothing committed but the
    run's record); 4 committed but a step after the commit failed; 3 committed but some objects
    could not be read."""
    if not summary.ok:
        return EXIT_FAILED
    if getattr(summary, "followup_errors", None):
        return EXIT_FOLLOWUP
    if getattr(summary, "unread", 0):
        return EXIT_UNREAD
    return EXIT_OK


def followup_line(summary: Any) -> str:
    """Exit 4's line: the run is committed, and which steps after it failed, each with what
    redoes it (a failed enrichment: the next enrichment, which reads the same changes)."""
    from newsetl.quality.summary import ENRICHMENT_FAILED

    enrichment = [e for e in summary.followup_errors if e.startswith(ENRICHMENT_FAILED)]
    others = [e for e in summary.followup_errors if not e.startswith(ENRICHMENT_FAILED)]
    parts = []
    if enrichment:
        parts.append(
            f"{'; '.join(enrichment)}; the next enrichment (newsetl enrich, or the next "
            "newsetl run --enrich) redoes it"
        )
    if others:
        parts.append(f"a step after the commit failed: {'; '.join(others)}; the next run redoes it")
    return f"run {summary.run_id} committed, but {'; and '.join(parts)}"


def summary_table(summary: Any, seconds: float) -> Table:
    table = Table(
        title=Text(f"newsetl run {summary.run_id}"),
        header_style="bold",
        min_width=len(summary.run_id) + 14,
    )
    table.add_column("count")
    table.add_column("value", justify="right")
    for name, value in summary.counts().items():
        table.add_row(name, str(value))
    table.add_row("seconds", f"{seconds:.1f}")
    return table


def print_plan(summary: Any) -> None:
    """A dry run: what a run would do, with a few keys of each kind."""
    table = Table(title=Text(f"plan for {summary.source} (dry run)"), header_style="bold")
    table.add_column("change")
    table.add_column("objects", justify="right")
    table.add_column("for example", overflow="fold")
    counts = summary.counts()
    for change in ("new", "changed", "unchanged", "deleted", "unread", "ignored"):
        examples = summary.plan_examples.get(change, [])
        table.add_row(change, str(counts.get(change, 0)), Text(", ".join(examples)))
    console().print(table)
    console().print(Text(summary.message))


def unread_table(summary: Any) -> Table:
    table = Table(title="not read (the next run reads them again)", header_style="bold")
    table.add_column("key", overflow="fold")
    table.add_column("reason", overflow="fold")
    for item in getattr(summary, "unread_objects", []):
        table.add_row(Text(str(item["key"])), Text(str(item["reason"])))
    return table


def show_run(summary: Any, seconds: float, as_json: bool) -> None:
    """The outcome of a run on stdout, and its exit."""
    if summary.status == "dry_run":
        if as_json:
            print_json({**summary.to_dict(), "wall_seconds": round(seconds, 3)})
        else:
            print_plan(summary)
        return
    code = exit_code(summary)
    if as_json:
        print_json({**summary.to_dict(), "wall_seconds": round(seconds, 3)})
    else:
        console().print(summary_table(summary, seconds))
        if getattr(summary, "unread_objects", None):
            console().print(unread_table(summary))
        if summary.snapshot_id is not None:
            console().print(f"Lake snapshot: {summary.snapshot_id}")
        if getattr(summary, "enrichment", None) is not None:
            from newsetl.quality.summary import enrichment_lines

            for line in enrichment_lines(summary.enrichment):
                console().print(Text(f"Enrichment: {line}"), soft_wrap=True)
        if summary.data_docs:
            console().print(Text(f"Data Docs: {summary.data_docs}"))
        if code == EXIT_OK and summary.loaded + summary.quarantined + summary.deleted == 0:
            console().print("Nothing new: every object is unchanged since the last run.")
    if code == EXIT_FAILED:
        raise fail(f"run failed: {summary.message}")
    if code == EXIT_FOLLOWUP:
        raise fail(followup_line(summary), code)
    if code == EXIT_UNREAD:
        raise fail(
            f"run {summary.run_id} committed, but {summary.unread} object(s) could not be read; "
            "the next run reads them again",
            code,
        )


# How long the listing and the read-only plan may run alone before Prefect and GX start beside
# them: a folder or a small bucket is planned well within it.
PREPLAN_ALONE_SECONDS = 1.0


def nothing_to_do(settings: Settings) -> Any:
    """A summary of a run that would find every object unchanged, or None when there is work
    (or the lake cannot say): then the flow runs, and takes over the listing made here."""
    from newsetl.lake.preplan import preplan
    from newsetl.quality.summary import RunSummary
    from newsetl.source.stores import SourceError

    try:
        early = preplan(settings)
    except SourceError as exc:
        raise fail(str(exc)) from None
    if not early.nothing_to_do:
        return None
    # `--enrich` may have an enrichment to redo even when no object changed.
    if settings.enrich and enrichment_pending(settings):
        return None
    summary = RunSummary(
        run_id="",
        source=settings.source,
        db=settings.catalog.describe(),
        started_at=datetime.now(UTC),
        status="unchanged",
        message="nothing to do: every object is unchanged since the last run; no run recorded",
    )
    summary.record_plan(early.plan, ignored=len(early.listing.ignored))
    return summary


def enrichment_pending(settings: Settings) -> bool:
    """Whether an enrichment has articles to enrich or forget (a failed one left them);
    True where the lake cannot say, so that the flow decides."""
    import duckdb

    from newsetl.common.catalog import WarehouseError
    from newsetl.enrich.run import pending
    from newsetl.lake.connection import connect

    try:
        con = connect(settings.catalog, read_only=True, endpoint_url=settings.endpoint_url)
        try:
            enrich, forget, _ = pending(con, everything=False)
        finally:
            con.close()
    except (duckdb.Error, WarehouseError):
        return True
    return bool(enrich or forget)


def show_unchanged(summary: Any, seconds: float, as_json: bool) -> None:
    """A run with nothing to do: its counts, exit 0, no flow run and no run record."""
    if as_json:
        print_json({**summary.to_dict(), "wall_seconds": round(seconds, 3)})
        return
    table = summary_table(summary, seconds)
    table.title = Text("newsetl run: nothing to do")
    console().print(table)
    console().print("Nothing new: every object is unchanged since the last run.")


@settings_options()
def run(
    settings: Settings, verbose: VerboseOption = False, json_output: JsonOption = False
) -> None:
    """Ingest new and changed objects from SOURCE into the warehouse.

    Every option can also be set as NEWSETL_<OPTION> in the environment (a flag given here
    wins); AWS credentials and region come from the standard AWS chain."""
    with Feedback() as feedback:
        feedback("checking")
        with writing(
            settings, settings.source, feedback, check_source=True, lock=not settings.dry_run
        ):
            early = None
            if not settings.dry_run:
                feedback("listing")
                early = ThreadPoolExecutor(1, "newsetl-preplan").submit(nothing_to_do, settings)
                # A quick answer decides before anything heavy starts; a slow listing (a large
                # bucket) goes on while Prefect and GX start beside it. A new lake or a full
                # refresh has work whatever the listing says: nothing waits for it.
                alone = 0.0 if settings.everything_is_work else PREPLAN_ALONE_SECONDS
                with suppress(FutureTimeout):
                    unchanged = early.result(timeout=alone)
                    early = None
                    if unchanged is not None:
                        show_unchanged(unchanged, command_seconds(), json_output)
                        return
            feedback("prefect")
            prefect_ready = start_prefect(verbose)
            warm_quality(settings)
            if early is not None:
                feedback("listing")
                unchanged = early.result()
                if unchanged is not None:
                    drop_quality()  # the temporary Prefect server, if any, stops at exit
                    show_unchanged(unchanged, command_seconds(), json_output)
                    return
            from flows.ingest import RunFailed, ingest_news
            from flows.runners import with_runner
            from newsetl.common import progress
            from newsetl.source.plan import PlanRefused
            from newsetl.source.stores import SourceError

            flow, overrides = with_runner(ingest_news, settings)
            with prefect_ready(), progress.reporting(feedback):
                try:
                    summary = flow(**{**settings.flow_parameters(), **overrides})
                except RunFailed as exc:
                    summary = exc.summary
                except (SourceError, PlanRefused) as exc:
                    raise fail(str(exc)) from None
                except Exception as exc:
                    # What fails after the commit is caught by the flow and exits 4; whatever
                    # reaches here stopped the run before its commit went through.
                    raise fail(f"run failed, nothing was committed: {one_line(exc)}") from None
    show_run(summary, command_seconds(), json_output)
