"""`newsetl maintain`: merge small files, expire old snapshots, delete unreferenced files."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import settings_options
from newsetl.cli.terminal import (
    Feedback,
    console,
    fail,
)
from newsetl.cli.writer import writing
from newsetl.common.settings import Settings


@settings_options("db", "lock_timeout", "endpoint_url")
def maintain(
    settings: Settings,
    retention_days: Annotated[
        int,
        typer.Option(min=0, help="Expire snapshots older than this many days.", show_default=True),
    ] = 30,
) -> None:
    """Merge the small files runs leave, expire snapshots older than the retention, and delete
    files no snapshot references. Safe while readers are attached; a run waits for it."""
    from newsetl.common.catalog import WarehouseError
    from newsetl.common.interrupt import note_work
    from newsetl.lake.connection import connect
    from newsetl.lake.maintain import maintain as run_maintenance

    catalog = settings.catalog
    if not catalog.exists():
        raise fail(f"warehouse not found: {catalog.describe()}")
    with Feedback() as feedback, writing(settings, "", feedback):
        feedback("maintaining")
        note_work(
            "the maintenance steps done before it stay (each is whole); run it again to finish"
        )
        try:
            con = connect(
                catalog,
                endpoint_url=settings.endpoint_url,
                memory_limit=settings.duckdb_maintain_memory_limit,
            )
            try:
                done = run_maintenance(con, retention_days)
            finally:
                con.close()
        except WarehouseError as exc:
            raise fail(str(exc)) from None
    table = Table(title=Text(f"maintenance of {catalog.describe()}"), show_header=False)
    for name, value in done.as_dict().items():
        table.add_row(name, str(value))
    console().print(table)
