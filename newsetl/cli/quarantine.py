"""`newsetl quarantine list|retry`: what is held back, and getting it out."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import Command, Group, JsonOption, VerboseOption, settings_options
from newsetl.cli.reader import reading, records, when
from newsetl.cli.terminal import (
    Feedback,
    console,
    fail,
    print_json,
)
from newsetl.cli.writer import start_prefect, warm_quality, writing
from newsetl.common.settings import Settings

quarantine_app = typer.Typer(
    cls=Group, no_args_is_help=True, help="What is held back, and getting it out."
)


@quarantine_app.command("list", cls=Command)
@settings_options("db", "endpoint_url")
def quarantine_list(settings: Settings, json_output: JsonOption = False) -> None:
    """Show every held object with its reasons."""
    from newsetl.common.sqlfiles import sql_file

    with reading(settings) as con:
        held = records(con, sql_file("cli/quarantine_list.sql"))
    if json_output:
        print_json({"catalog": settings.catalog.describe(), "held": len(held), "objects": held})
        return
    table = Table(
        title=Text(f"quarantine of {settings.catalog.describe()}: {len(held)} held"),
        header_style="bold",
    )
    for column in ("key", "size", "reasons", "source_encoding", "quarantined_at", "run_id"):
        table.add_column(column, overflow="fold")
    for row in held:
        table.add_row(
            Text(row["key"]),
            str(row["size"]),
            Text(", ".join(row["reasons"] or [])),
            Text(row["source_encoding"] or ""),
            when(row["quarantined_at"]),
            Text(row["run_id"]),
        )
    console().print(table)


@quarantine_app.command("retry", cls=Command)
@settings_options("db", "reports_dir", "lock_timeout")
def quarantine_retry(settings: Settings, verbose: VerboseOption = False) -> None:
    """Re-parse and re-validate held objects from their stored bytes; those that pass now move to
    articles, in one transaction. No bucket needed."""
    from newsetl.lake.quarantine import QuarantineSource

    if not settings.catalog.exists():
        raise fail(f"warehouse not found: {settings.catalog.describe()}")
    with Feedback() as feedback:
        feedback("checking")
        with writing(settings, QuarantineSource.SCHEME + settings.db, feedback):
            feedback("prefect")
            prefect_ready = start_prefect(verbose)
            warm_quality(settings)
            from flows.ingest import RunFailed
            from flows.quarantine import retry_quarantine
            from newsetl.common import progress

            with prefect_ready(), progress.reporting(feedback):
                try:
                    summary = retry_quarantine(
                        db=settings.db,
                        reports_dir=str(settings.reports_dir),
                        lock_timeout=settings.lock_timeout,
                    )
                except RunFailed as exc:
                    summary = exc.summary
    if summary.message == "the quarantine is empty":
        console().print("The quarantine is empty: nothing to retry.")
        return
    console().print(
        f"Retried {summary.refreshed} held objects: {summary.loaded} moved to articles, "
        f"{summary.quarantined} still held."
    )
