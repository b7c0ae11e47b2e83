"""`newsetl enrich`: entities, stories and near-duplicates of what ingest changed since the
last enrichment (or of every article), committed as one snapshot, then the enrichment suite on
what it wrote and the Data Docs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import settings_options
from newsetl.cli.terminal import EXIT_FOLLOWUP, Feedback, console, fail
from newsetl.cli.writer import one_line, writing
from newsetl.common.settings import Settings


@settings_options("db", "data_path", "endpoint_url", "lock_timeout", "reports_dir")
def enrich(
    settings: Settings,
    all_articles: Annotated[
        bool,
        typer.Option("--all", help="Enrich every current article again, not only the changes."),
    ] = False,
) -> None:
    """Find the people, organisations and places of new and changed articles, link the
    articles of one event into stories across Kazakh and Russian, and flag reprints."""
    from newsetl.common.catalog import WarehouseError
    from newsetl.enrich.batch import Options
    from newsetl.enrich.run import enrich_lake
    from newsetl.lake.connection import connect
    from newsetl.lake.migrations import prepare

    catalog = settings.catalog
    if not catalog.exists():
        raise fail(f"warehouse not found: {catalog.describe()}")
    followup = None
    with Feedback() as feedback, writing(settings, "", feedback):
        feedback("enriching")
        try:
            con = connect(
                catalog,
                endpoint_url=settings.endpoint_url,
                memory_limit=settings.duckdb_memory_limit,
            )
            try:
                prepare(con)
                summary = enrich_lake(con, Options.of(settings), everything=all_articles)
            finally:
                con.close()
        except WarehouseError as exc:
            raise fail(str(exc)) from None
        rows = summary.as_dict()
        if summary.snapshot_id is not None:
            feedback("validating")
            try:
                rows["warnings"], rows["data_docs"] = check(settings, summary)
            except Exception as exc:  # the enrichment is committed: said, and exit 4
                followup = one_line(exc)
    table = Table(title=Text(f"enrichment of {catalog.describe()}"), show_header=False)
    for name, value in rows.items():
        shown = "\n".join(value) if isinstance(value, list) else str(value)
        table.add_row(name, Text(shown or "none"))
    console().print(table)
    if followup is not None:
        raise fail(
            f"enrichment {summary.run_id} committed as snapshot {summary.snapshot_id}, but its "
            f"quality suite or the Data Docs failed: {followup}; `newsetl enrich --all` redoes "
            "it",
            EXIT_FOLLOWUP,
        )


def check(settings: Settings, summary) -> tuple[list[str], str]:
    """The enrichment suite on what the enrichment committed, and the Data Docs. GX starts
    only now: an enrichment with nothing to read does not pay for it."""
    from newsetl.lake.connection import connect
    from newsetl.quality.enrichment import check_enrichment
    from newsetl.quality.process import engine_process

    engine = engine_process(settings.expectations_dir, settings.reports_dir / "gx")
    con = connect(settings.catalog, read_only=True, endpoint_url=settings.endpoint_url)
    try:
        warnings = check_enrichment(
            engine, con, summary.run_id, summary.snapshot_id, settings.lock_timeout
        )
    finally:
        con.close()
    return warnings, str(engine.build_data_docs(lock_timeout=settings.lock_timeout))
