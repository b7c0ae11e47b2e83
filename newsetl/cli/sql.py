"""`newsetl sql`: the lake read-only, one statement with -c or the DuckDB shell."""

from __future__ import annotations

from typing import Annotated

import typer

from newsetl.cli.display import relation_table
from newsetl.cli.options import settings_options
from newsetl.cli.reader import reading, unreadable
from newsetl.cli.terminal import (
    EXIT_USAGE,
    console,
    fail,
)
from newsetl.common.settings import Settings

SQL_FORMATS = ("table", "csv", "json")


@settings_options("db", "endpoint_url")
def sql_command(
    settings: Settings,
    command: Annotated[
        str | None, typer.Option("--command", "-c", help="Run this SQL and exit.")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", help="table, csv or json (with -c).", show_default=True)
    ] = "table",
) -> None:
    """Query the warehouse read-only, with the search macros ready: `-c SQL` runs one statement;
    without it, the DuckDB shell opens on the lake."""
    import sys

    if output not in SQL_FORMATS:
        raise fail(f"bad arguments: --format must be one of {', '.join(SQL_FORMATS)}", EXIT_USAGE)
    if command is None:
        import signal

        from newsetl.cli.shell import run_shell
        from newsetl.common.catalog import WarehouseError
        from newsetl.common.interrupt import passed_on

        # Ctrl-C is the shell's (it stops a query); SIGTERM and SIGHUP stop both.
        try:
            with passed_on(signal.SIGINT):
                code = run_shell(settings.catalog, endpoint_url=settings.endpoint_url)
        except WarehouseError as exc:
            raise fail(str(exc)) from None
        raise typer.Exit(code)
    import duckdb

    from newsetl.lake.migrations import unfinished

    with reading(settings) as con:
        try:
            relation = con.sql(command)
        except duckdb.Error as exc:
            problem = f"query failed: {str(exc).strip().splitlines()[0]}"
            if isinstance(exc, duckdb.CatalogException) and unfinished(con):
                problem = unreadable(settings, problem)  # a first run is creating the lake
            raise fail(problem) from None
        if relation is None:
            return
        frame = relation.pl()
    if output == "csv":
        sys.stdout.write(frame.write_csv())
    elif output == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        console().print(relation_table(f"{frame.height} rows", frame))
