"""`newsetl`: the command line, one module per command registered here. Options come from
Settings (newsetl.cli.options); the warehouse path,
the writer lock and the source are checked before Prefect or GX start; outcomes become one clear
line and an exit code (newsetl.cli.terminal), or with `--json` one JSON document on stdout."""

from __future__ import annotations

import atexit
import importlib.util
import os
import sys
import threading
from contextlib import suppress
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from newsetl.cli.enrich import enrich
from newsetl.cli.explain import explain
from newsetl.cli.maintain import maintain
from newsetl.cli.migrate import migrate_warehouse
from newsetl.cli.options import Command, Group
from newsetl.cli.quarantine import quarantine_app
from newsetl.cli.report import report
from newsetl.cli.run import run
from newsetl.cli.sql import sql_command
from newsetl.cli.status import status

app = typer.Typer(
    cls=Group,
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    help="Turn a bucket of Kazakh and Russian news articles into a validated DuckLake warehouse.",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"newsetl {version('newsetl')}")
        raise typer.Exit()


@app.callback()
def _group(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """newsetl: news articles from a bucket into a validated DuckLake warehouse."""
    from newsetl.common import interrupt

    if started_as_command():  # not a test or a script calling the app in its own process
        run_as_module()
        leave_out_pandas()
    interrupt.install()  # SIGINT, SIGTERM, SIGHUP: one line, exit 128 + N (common.interrupt)


app.command(cls=Command)(run)
app.add_typer(quarantine_app, name="quarantine")
app.command(cls=Command)(report)
app.command(cls=Command)(status)
app.command("sql", cls=Command)(sql_command)
app.command(cls=Command)(maintain)
app.command(cls=Command)(enrich)
app.command(cls=Command)(explain)
app.command("migrate-warehouse", cls=Command)(migrate_warehouse)


def started_as_command() -> bool:
    """This process is `newsetl` itself: the console script or `python -m newsetl`."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None:
        return spec.name == "newsetl.__main__"
    return Path(getattr(main, "__file__", "") or "").name == "newsetl"


def run_as_module() -> None:
    """Say that the `newsetl` console script runs as `python -m newsetl` does (it runs the same
    code). A process the command starts with `spawn` or from the fork server (the GX process,
    the parse workers) then does not run the script again to rebuild `__main__`: each of them
    otherwise imported the whole CLI first, about 0.5 s of CPU per process (CPython's fork
    server never preloads a script's `__main__`, so its workers each paid it too)."""
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None:
        main.__spec__ = importlib.util.find_spec("newsetl.__main__")


def leave_out_pandas() -> None:
    """Tell this process that pandas is not installed. DuckDB's Python client imports pandas
    (and numpy and pyarrow with it) the first time a statement has parameters, to recognise
    pandas values among them: about 0.65 s of CPU at the start of every command that opens the
    lake, the plan of a run with nothing to do included. No command uses pandas in its own
    process: GX's pandas is in the GX process, a fresh interpreter that this does not reach,
    and the lake's frames are Polars and Arrow. Not done where pandas is imported already."""
    if "pandas" not in sys.modules:
        sys.modules["pandas"] = None  # the import system's own "not importable" entry


def main() -> None:
    """The console script and `python -m newsetl`: the command, then its exit without the
    interpreter's teardown. At exit, as at any exit, the threads that are not daemons are joined
    and the exit handlers run (Prefect's last logs, the temporary server stopped, temporary files
    removed, logging flushed); then, where the interpreter would free every module and object
    one by one (about 0.5 s of CPU after a run, with Prefect, DuckDB, Polars and boto3 loaded),
    the process leaves at once with the command's exit status, as the GX process does. An
    exception other than an exit (an interrupt the command did not turn into one) ends the
    interpreter's own way."""
    try:
        app(prog_name="newsetl")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    leave(code)


def exit_status(code: object) -> int:
    """The status `sys.exit(code)` gives: None is 0, an int itself, anything else is printed
    to stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def leave(code: object) -> NoReturn:
    status = exit_status(code)
    threading._shutdown()  # what the interpreter does first at exit: join non-daemon threads
    atexit._run_exitfuncs()  # then every exit handler, in the order it would run them
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe or stream has nothing to flush
            stream.flush()
    os._exit(status)
