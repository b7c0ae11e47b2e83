"""`newsetl`: the command line. Parses flags into Settings, checks the environment, runs the flow,
and turns outcomes into one clear line and an exit code (0 committed, 1 failed, 2 bad arguments)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from newsetl.display import relation_table
from newsetl.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    help="Turn a bucket of Kazakh and Russian news articles into a validated DuckLake warehouse.",
)
console = Console(stderr=False)
errors = Console(stderr=True)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@app.callback()
def _group() -> None:
    """newsetl: news articles from a bucket into a validated DuckLake warehouse."""


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    errors.print(f"[bold red]newsetl:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def quiet_prefect(verbose: bool) -> None:
    """Prefect's console logs are for operators; a terminal user gets our progress and summary.
    Set before Prefect is imported; an explicit environment setting still wins."""
    os.environ.setdefault(
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "INFO" if verbose else "CRITICAL"
    )
    # Ephemeral mode starts a local server; on a busy 2-core machine its first start (database
    # migrations) can take longer than Prefect's 20 s default. It never needs the internet.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def stop_cleanly_on_sigterm() -> None:
    """A scheduler or `timeout` stops a run with SIGTERM. Turned into an exit rather than a
    kill, the run still stops what it started (Prefect's server, the GX process, the parse
    workers) on its way out, as it does on Ctrl-C."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def start_prefect(verbose: bool) -> Callable[[], None]:
    """Prefect's settings for the CLI, and its temporary API server started now, before Prefect
    is imported, so that its boot overlaps the imports (see newsetl.prefect_api). Returns
    `ready()`, to call before the first flow. The server stops at exit, after Prefect's own
    exit handlers have sent their last logs."""
    from newsetl.prefect_api import PrefectApiError, start_early

    quiet_prefect(verbose)
    server = start_early()

    def ready() -> None:
        if server is not None:
            try:
                server.wait(timeout=120.0)
            except PrefectApiError as exc:
                raise fail(str(exc)) from None

    return ready


def warm_quality(settings: Settings) -> None:
    """Start the GX engine's process now: importing GX takes seconds of CPU, which then run on
    the other core while Prefect starts."""
    from newsetl.quality_process import engine_process

    engine_process(settings.expectations_dir, settings.reports_dir / "gx")


def check_db_path(settings: Settings) -> None:
    """A file catalog's folder must be creatable and writable; checked before any work starts."""
    from newsetl.warehouse import WarehouseError

    catalog = settings.catalog
    if not catalog.is_file:
        if not settings.data_path and not catalog.exists():
            raise WarehouseError("a PostgreSQL catalog needs --data-path")
        return
    db = catalog.path
    parent = db.parent if str(db.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(
            f"cannot create the warehouse folder {parent}: {exc.strerror}"
        ) from None
    if db.is_dir():
        raise WarehouseError(f"warehouse path {db} is a directory")
    if not os.access(parent, os.W_OK) or (db.exists() and not os.access(db, os.W_OK)):
        raise WarehouseError(f"warehouse path {db} is not writable")


def summary_table(summary) -> Table:
    table = Table(
        title=f"newsetl run {summary.run_id}",
        header_style="bold",
        min_width=len(summary.run_id) + 14,
    )
    table.add_column("count")
    table.add_column("value", justify="right")
    for name, value in summary.counts().items():
        table.add_row(name, str(value))
    table.add_row("seconds", f"{summary.seconds:.1f}")
    return table


def build_settings(**flags: object) -> Settings:
    """Flags given on the command line win; the rest come from NEWSETL_* variables or defaults."""
    try:
        return Settings(**{name: value for name, value in flags.items() if value is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise fail(f"bad arguments: {problems}", EXIT_USAGE) from None


@app.command()
def run(
    source: Annotated[
        str | None,
        typer.Option(help="s3://BUCKET/PREFIX/ or a local directory. [default: data/sample]"),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="The lake's catalog: a SQLite file, or postgres:<conninfo>. "
            "[default: warehouse/news.sqlite]"
        ),
    ] = None,
    data_path: Annotated[
        str | None,
        typer.Option(
            help="Where the lake's Parquet files go: a folder or s3://BUCKET/PREFIX/ "
            "(default: beside a file catalog; required with PostgreSQL)."
        ),
    ] = None,
    endpoint_url: Annotated[
        str | None, typer.Option(help="S3 endpoint URL (AWS_ENDPOINT_URL is honoured too).")
    ] = None,
    pattern: Annotated[
        str | None, typer.Option(help="Glob matched against each key's file name. [default: *.txt]")
    ] = None,
    full_refresh: Annotated[
        bool | None, typer.Option("--full-refresh", help="Reprocess every object.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Concurrent GETs per chunk. [default: 16]")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option(help="Objects per Prefect task. [default: 500]")
    ] = None,
    critical_threshold: Annotated[
        float | None,
        typer.Option(help="Share of critical failures that fails the run. [default: 0.2]"),
    ] = None,
    lock_timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for another writer. [default: 60]")
    ] = None,
    reports_dir: Annotated[
        Path | None, typer.Option(help="GX context and Data Docs. [default: reports]")
    ] = None,
    task_runner: Annotated[
        str | None,
        typer.Option(
            help="threads, or dask for fetch-and-parse on a Dask cluster. [default: threads]"
        ),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(help="tcp://HOST:PORT of a Dask scheduler; without it, a local cluster."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Ingest new and changed objects from SOURCE into the warehouse.

    Every option can also be set as NEWSETL_<OPTION> in the environment; AWS credentials and
    region come from the standard AWS chain."""
    settings = build_settings(
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
        reports_dir=reports_dir,
        task_runner=task_runner,
        dask_address=dask_address,
    )

    from newsetl.source import SourceError, open_source
    from newsetl.warehouse import WarehouseError

    try:
        check_db_path(settings)
        open_source(settings.source, settings.endpoint_url).check()
    except (SourceError, WarehouseError) as exc:
        raise fail(str(exc)) from None

    stop_cleanly_on_sigterm()
    prefect_ready = start_prefect(verbose)
    warm_quality(settings)
    from flows.ingest import RunFailed, ingest_news
    from flows.runners import with_runner
    from newsetl import progress

    flow, overrides = with_runner(ingest_news, settings)
    prefect_ready()
    with _progress_bar() as callback, progress.reporting(callback):
        try:
            summary = flow(**{**settings.flow_parameters(), **overrides})
        except RunFailed as exc:
            summary = exc.summary
        except (SourceError, WarehouseError) as exc:
            raise fail(str(exc)) from None
    console.print(summary_table(summary))
    if summary.snapshot_id is not None:
        console.print(f"Lake snapshot: {summary.snapshot_id}")
    if summary.data_docs:
        console.print(f"Data Docs: {summary.data_docs}")
    if not summary.ok:
        raise fail(f"run failed: {summary.message}")
    if summary.loaded + summary.quarantined + summary.deleted == 0:
        console.print("Nothing new: every object is unchanged since the last run.")


quarantine_app = typer.Typer(no_args_is_help=True, help="What is held back, and getting it out.")
app.add_typer(quarantine_app, name="quarantine")

DbOption = Annotated[
    str | None,
    typer.Option(
        help="The lake's catalog: a SQLite file, or postgres:<conninfo>. "
        "[default: warehouse/news.sqlite]"
    ),
]


LakeEndpointOption = Annotated[
    str | None, typer.Option(help="S3 endpoint URL, for a lake whose data are on S3.")
]


def read_only(settings: Settings):
    """The lake attached read-only: never waits for a run, never makes one wait."""
    from newsetl.warehouse import WarehouseError, connect

    try:
        return connect(settings.catalog, read_only=True, endpoint_url=settings.endpoint_url)
    except WarehouseError as exc:
        raise fail(str(exc)) from None


@quarantine_app.command("list")
def quarantine_list(db: DbOption = None) -> None:
    """Show every held object with its reasons."""
    from newsetl.warehouse import sql_file

    settings = build_settings(db=db)
    with read_only(settings) as con:
        relation = con.sql(sql_file("cli/quarantine_list.sql"))
        count = len(relation)
        title = f"quarantine of {settings.catalog.describe()}: {count} held"
        console.print(relation_table(title, relation))


@quarantine_app.command("retry")
def quarantine_retry(
    db: DbOption = None,
    reports_dir: Annotated[Path | None, typer.Option(help="GX context and Data Docs.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Prefect's logs.")] = False,
) -> None:
    """Re-parse and re-validate held objects from their stored bytes; those that pass now move to
    articles, in one transaction. No bucket needed."""
    settings = build_settings(db=db, reports_dir=reports_dir)
    if not settings.catalog.exists():
        raise fail(f"warehouse not found: {settings.catalog.describe()}")
    stop_cleanly_on_sigterm()
    prefect_ready = start_prefect(verbose)
    warm_quality(settings)
    from flows.ingest import RunFailed
    from flows.quarantine import retry_quarantine
    from newsetl.warehouse import WarehouseError

    prefect_ready()

    try:
        summary = retry_quarantine(
            db=settings.db,
            reports_dir=str(settings.reports_dir),
            lock_timeout=settings.lock_timeout,
        )
    except RunFailed as exc:
        summary = exc.summary
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if summary.message == "the quarantine is empty":
        console.print("The quarantine is empty: nothing to retry.")
        return
    console.print(
        f"Retried {summary.refreshed} held objects: {summary.loaded} moved to articles, "
        f"{summary.quarantined} still held."
    )


@app.command()
def report(
    db: DbOption = None,
    reports_dir: Annotated[Path | None, typer.Option()] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also write the report page with charts to this file.")
    ] = None,
) -> None:
    """The latest run's quality table, and where its Data Docs are."""
    from newsetl.warehouse import sql_file

    settings = build_settings(db=db, reports_dir=reports_dir)
    with read_only(settings) as con:
        if html is not None:
            from newsetl.datadocs_assets import VendorError
            from newsetl.report_page import write_report_page

            try:
                page = write_report_page(con, settings.catalog.describe(), html)
            except VendorError as exc:
                raise fail(str(exc)) from None
            console.print(f"Report page: {page.resolve()}", soft_wrap=True)
        latest = con.sql(sql_file("cli/latest_run.sql"))
        row = latest.fetchone()
        if row is None:
            console.print("No runs recorded yet.")
            return
        run_id = row[0]
        overview = Table(title=f"latest run {run_id}", show_header=False)
        overview.add_column("field", style="bold")
        overview.add_column("value")
        for name, value in zip(latest.columns[1:], row[1:], strict=True):
            overview.add_row(name, "" if value is None else str(value))
        console.print(overview)
        quality = con.execute(sql_file("cli/latest_quality.sql"), {"run_id": run_id})
        console.print(relation_table(f"expectations of run {run_id}", quality.pl()))
    docs = settings.reports_dir / "data_docs" / "index.html"
    if docs.is_file():
        console.print(f"Data Docs: {docs.resolve()}")
    else:
        console.print(f"Data Docs not built yet (expected at {docs})")


SQL_FORMATS = ("table", "csv", "json")


@app.command("sql")
def sql_command(
    db: DbOption = None,
    command: Annotated[
        str | None, typer.Option("--command", "-c", help="Run this SQL and exit.")
    ] = None,
    output: Annotated[
        str, typer.Option("--format", help="table, csv or json (with -c). [default: table]")
    ] = "table",
    endpoint_url: LakeEndpointOption = None,
) -> None:
    """Query the warehouse read-only, with the search macros ready: `-c SQL` runs one statement;
    without it, the DuckDB shell opens on the lake."""
    if output not in SQL_FORMATS:
        raise fail(f"bad arguments: --format must be one of {', '.join(SQL_FORMATS)}", EXIT_USAGE)
    settings = build_settings(db=db, endpoint_url=endpoint_url)
    if command is None:
        from newsetl.shell import run_shell
        from newsetl.warehouse import WarehouseError

        try:
            raise typer.Exit(run_shell(settings.catalog, endpoint_url=settings.endpoint_url))
        except WarehouseError as exc:
            raise fail(str(exc)) from None
    import duckdb

    with read_only(settings) as con:
        try:
            relation = con.sql(command)
        except duckdb.Error as exc:
            raise fail(f"query failed: {str(exc).strip().splitlines()[0]}") from None
        if relation is None:
            return
        frame = relation.pl()
    if output == "csv":
        sys.stdout.write(frame.write_csv())
    elif output == "json":
        sys.stdout.write(frame.write_json() + "\n")
    else:
        console.print(relation_table(f"{frame.height} rows", frame))


@app.command()
def maintain(
    db: DbOption = None,
    retention_days: Annotated[
        int,
        typer.Option(min=0, help="Expire snapshots older than this many days. [default: 30]"),
    ] = 30,
    lock_timeout: Annotated[
        float | None, typer.Option(help="Seconds to wait for a run. [default: 60]")
    ] = None,
    endpoint_url: LakeEndpointOption = None,
) -> None:
    """Merge the small files runs leave, expire snapshots older than the retention, and delete
    files no snapshot references. Safe while readers are attached; a run waits for it."""
    from newsetl.maintain import maintain as run_maintenance
    from newsetl.warehouse import WarehouseError, connect, writer_lock

    settings = build_settings(db=db, lock_timeout=lock_timeout, endpoint_url=endpoint_url)
    try:
        catalog = settings.catalog
        if not catalog.exists():
            raise WarehouseError(f"warehouse not found: {catalog.describe()}")
        with writer_lock(catalog, settings.lock_timeout):
            con = connect(catalog, endpoint_url=settings.endpoint_url)
            try:
                done = run_maintenance(con, retention_days)
            finally:
                con.close()
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    table = Table(title=f"maintenance of {catalog.describe()}", show_header=False)
    for name, value in done.as_dict().items():
        table.add_row(name, str(value))
    console.print(table)


@app.command("migrate-warehouse")
def migrate_warehouse(
    old: Annotated[Path, typer.Argument(help="A warehouse file made by an earlier version.")],
    db: DbOption = None,
    data_path: Annotated[
        str | None, typer.Option(help="Where the new lake's Parquet files go.")
    ] = None,
    endpoint_url: LakeEndpointOption = None,
) -> None:
    """Move a DuckDB-file warehouse (all tables, quarantine bytes, run history) into a new, empty
    lake, indexing its articles for search, in one snapshot."""
    from newsetl.upgrade import migrate_duckdb_warehouse
    from newsetl.warehouse import WarehouseError

    settings = build_settings(db=db, data_path=data_path, endpoint_url=endpoint_url)
    try:
        counts = migrate_duckdb_warehouse(old, settings)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    table = Table(title=f"{old} moved into {settings.catalog.describe()}", show_header=False)
    for name, value in counts.items():
        table.add_row(name, str(value))
    console.print(table)


class _progress_bar:
    """A rich progress bar on a terminal; nothing when output is piped or in CI."""

    def __enter__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.progress = None
        if sys.stderr.isatty():
            self.progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                transient=True,
            )
            self.progress.start()
            # Started on the first report, so the clock leaves out Prefect's start-up.
            self.task = self.progress.add_task("fetch and parse", total=None, start=False)
        return self.update

    def update(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.start_task(self.task)
            self.progress.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def main() -> None:  # pragma: no cover - console entry point
    app()
