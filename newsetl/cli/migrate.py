"""`newsetl migrate-warehouse`: a DuckDB-file warehouse of an earlier version moved into a
new lake."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import settings_options
from newsetl.cli.terminal import (
    console,
    fail,
)
from newsetl.common.settings import Settings


@settings_options("db", "data_path", "endpoint_url")
def migrate_warehouse(
    settings: Settings,
    old: Annotated[Path, typer.Argument(help="A warehouse file made by an earlier version.")],
) -> None:
    """Move a DuckDB-file warehouse (all tables, quarantine bytes, run history) into a new, empty
    lake, indexing its articles for search, in one snapshot."""
    from newsetl.common.catalog import WarehouseError
    from newsetl.lake.upgrade import migrate_duckdb_warehouse

    try:
        counts = migrate_duckdb_warehouse(old, settings)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    table = Table(title=Text(f"{old} moved into {settings.catalog.describe()}"), show_header=False)
    for name, value in counts.items():
        table.add_row(name, str(value))
    console().print(table)
