"""`newsetl enrich`: entities, stories and near-duplicates of what ingest changed since the
last enrichment (or of every article), committed as one snapshot."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import settings_options
from newsetl.cli.terminal import Feedback, console, fail
from newsetl.cli.writer import writing
from newsetl.common.settings import Settings


@settings_options("db", "data_path", "endpoint_url", "lock_timeout")
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
    table = Table(title=Text(f"enrichment of {catalog.describe()}"), show_header=False)
    for name, value in summary.as_dict().items():
        table.add_row(name, Text(str(value)))
    console().print(table)
