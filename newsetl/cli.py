"""`newsetl`: the command line. Options come from Settings (newsetl.options); the warehouse path,
the writer lock and the source are checked before Prefect or GX start; outcomes become one clear
line and an exit code (newsetl.terminal), or with `--json` one JSON document on stdout."""

from __future__ import annotations

import errno
import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from newsetl.display import relation_table
from newsetl.options import Command, Group, settings_options, with_default
from newsetl.settings import Settings
from newsetl.terminal import (
    EXIT_FAILED,
    EXIT_FOLLOWUP,
    EXIT_OK,
    EXIT_UNREAD,
    EXIT_USAGE,
    Feedback,
    age,
    command_seconds,
    console,
    fail,
    print_json,
)

app = typer.Typer(
    cls=Group,
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    help="Turn a bucket of Kazakh and Russian news articles into a validated DuckLake warehouse.",
)

JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help=with_default("One JSON document on stdout; nothing else goes there.", "off")
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help=with_default("Show Prefect's logs.", "off"))
]


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


# --- starting the heavy parts ------------------------------------------------------------------


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


@contextmanager
def writing(
    settings: Settings,
    scope: str,
    feedback: Feedback | None = None,
    *,
    check_source: bool = False,
    lock: bool = True,
) -> Iterator[None]:
    """What a writing command checks before any work starts (the warehouse path, the source
    with one request, the lock file), then the writer lock for the whole command: a lock another
    process holds is waited for (up to --lock-timeout), naming that process. The flow takes the
    same lock again (it is re-entrant within a process)."""
    from newsetl.catalog import WarehouseError
    from newsetl.lock import check_lock_file, writer_lock

    catalog = settings.catalog
    try:
        catalog.check_writable()
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if check_source:
        from newsetl.source import SourceError, open_source

        try:
            open_source(settings.source, settings.endpoint_url).check()
        except SourceError as exc:
            raise fail(str(exc)) from None
    if not lock:  # a dry run writes nothing and waits for nobody
        yield
        return
    try:
        check_lock_file(catalog.lock_path(scope))
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    on_wait = feedback.waiting if feedback is not None else None
    try:
        with writer_lock(catalog, settings.lock_timeout, scope, on_wait=on_wait):
            yield
    except WarehouseError as exc:
        raise fail(str(exc)) from None


# --- run ---------------------------------------------------------------------------------------


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


# Causes worth naming when a database error buries them below its first line.
OS_CAUSES = {
    **{os.strerror(code): os.strerror(code) for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)},
    os.strerror(errno.EACCES): os.strerror(errno.EACCES),
    "disk is full": os.strerror(errno.ENOSPC),  # SQLite's words for it
}


def one_line(exc: BaseException) -> str:
    """An error as one line: its first line, and a full disk or a permission problem said
    below it or in its cause."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    everything = f"{exc}\n{exc.__cause__ or ''}\n{exc.__context__ or ''}"
    causes = [said.lower() for found, said in OS_CAUSES.items() if found in everything]
    if causes and causes[0] not in text.lower():
        text += f" ({causes[0]})"
    return text[:500]


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
        if summary.data_docs:
            console().print(Text(f"Data Docs: {summary.data_docs}"))
        if code == EXIT_OK and summary.loaded + summary.quarantined + summary.deleted == 0:
            console().print("Nothing new: every object is unchanged since the last run.")
    if code == EXIT_FAILED:
        raise fail(f"run failed: {summary.message}")
    if code == EXIT_FOLLOWUP:
        raise fail(
            f"run {summary.run_id} committed, but a step after the commit failed: "
            f"{'; '.join(summary.followup_errors)}; the next run redoes it",
            code,
        )
    if code == EXIT_UNREAD:
        raise fail(
            f"run {summary.run_id} committed, but {summary.unread} object(s) could not be read; "
            "the next run reads them again",
            code,
        )


@app.command(cls=Command)
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
            stop_cleanly_on_sigterm()
            feedback("prefect")
            prefect_ready = start_prefect(verbose)
            warm_quality(settings)
            from flows.ingest import RunFailed, ingest_news
            from flows.runners import with_runner
            from newsetl import progress
            from newsetl.plan import PlanRefused
            from newsetl.source import SourceError

            flow, overrides = with_runner(ingest_news, settings)
            prefect_ready()
            with progress.reporting(feedback):
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


# --- reading the warehouse ---------------------------------------------------------------------


def unreadable(settings: Settings, problem: str) -> str:
    """Why the lake cannot be read: a run writing it (named), else the problem itself."""
    from newsetl.lock import writers

    running = writers(settings.catalog)
    if not running:
        return problem
    who = running[0].describe() if running[0] is not None else "another run"
    return (
        f"{settings.catalog.describe()} cannot be read yet: it is being written by {who}; "
        "try again when that run finishes (newsetl status shows it)"
    )


@contextmanager
def reading(settings: Settings) -> Iterator[Any]:
    """The lake attached read-only: never waits for a run, never makes one wait. A lake a run
    is creating or migrating cannot be read yet: that is said, naming the run, instead of
    DuckDB's message."""
    import duckdb

    from newsetl.catalog import WarehouseError
    from newsetl.warehouse import connect

    try:
        con = connect(settings.catalog, read_only=True, endpoint_url=settings.endpoint_url)
    except WarehouseError as exc:
        raise fail(unreadable(settings, str(exc))) from None
    try:
        yield con
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        problem = f"cannot read {settings.catalog.describe()}: {first}"
        raise fail(unreadable(settings, problem)) from None
    finally:
        con.close()


def records(con: Any, sql: str, params: dict | None = None) -> list[dict]:
    result = con.execute(sql, params or {})
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def since(moment: datetime | None) -> float | None:
    return None if moment is None else (datetime.now(UTC) - moment).total_seconds()


def when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


quarantine_app = typer.Typer(
    cls=Group, no_args_is_help=True, help="What is held back, and getting it out."
)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list", cls=Command)
@settings_options("db", "endpoint_url")
def quarantine_list(settings: Settings, json_output: JsonOption = False) -> None:
    """Show every held object with its reasons."""
    from newsetl.warehouse import sql_file

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
    from newsetl.source import QuarantineSource

    if not settings.catalog.exists():
        raise fail(f"warehouse not found: {settings.catalog.describe()}")
    with Feedback() as feedback:
        feedback("checking")
        with writing(settings, QuarantineSource.SCHEME + settings.db, feedback):
            stop_cleanly_on_sigterm()
            feedback("prefect")
            prefect_ready = start_prefect(verbose)
            warm_quality(settings)
            from flows.ingest import RunFailed
            from flows.quarantine import retry_quarantine
            from newsetl import progress

            prefect_ready()
            with progress.reporting(feedback):
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


# --- report ------------------------------------------------------------------------------------


def expectation_rows(outcome: dict, flagged: dict[str, list[str]], limit: int) -> list[dict]:
    """The rows behind one failed expectation: those GX named (up to its sample size, kept in
    dq_results with the offending value), then the run's rows still held or flagged for it."""
    details = outcome.get("details") or {}
    found: dict[str, dict] = {}
    column = outcome.get("column_name")
    for entry in details.get("unexpected_sample") or []:
        if isinstance(entry, dict) and "key" in entry:
            sampled = bool(column) and column in entry
            value = entry.get(column) if sampled else None
            found.setdefault(str(entry["key"]), {"value": value, "sampled": sampled})
    for key in flagged.get(outcome["expectation"], []):
        found.setdefault(key, {"value": None, "sampled": False})
    return [{"key": key, **row} for key, row in list(found.items())[:limit]]


def gather_runs(con: Any, run_id: str | None, last: int, rows: int) -> list[dict]:
    """Runs with every expectation's outcome and the rows behind each failure."""
    from newsetl.warehouse import sql_file

    runs = records(con, sql_file("cli/runs.sql"), {"run_id": run_id, "limit": last})
    gathered = []
    for run_row in runs:
        params = {"run_id": run_row["run_id"]}
        flagged: dict[str, list[str]] = {}
        for item in records(con, sql_file("cli/flagged_rows.sql"), params):
            flagged.setdefault(item["expectation"], []).append(item["key"])
        expectations = []
        for outcome in records(con, sql_file("cli/expectations.sql"), params):
            try:
                outcome["details"] = json.loads(outcome["details"] or "{}")
            except ValueError:
                outcome["details"] = {}
            outcome["observed_value"] = outcome["details"].get("observed_value")
            outcome["rows"] = [] if outcome["success"] else expectation_rows(outcome, flagged, rows)
            del outcome["details"]
            expectations.append(outcome)
        gathered.append({"run": run_row, "expectations": expectations})
    return gathered


def show_report(item: dict, rows: int) -> None:
    run_row = item["run"]
    overview = Table(title=Text(f"run {run_row['run_id']}"), show_header=False)
    overview.add_column("field", style="bold")
    overview.add_column("value", overflow="fold")
    for name, value in run_row.items():
        if name in ("run_id", "flow_run_id"):
            continue
        shown = when(value) if isinstance(value, datetime) else "" if value is None else value
        overview.add_row(name, Text(str(shown)))
    console().print(overview)
    outcomes = Table(title=Text(f"expectations of run {run_row['run_id']}"), header_style="bold")
    for column in ("suite", "expectation", "severity", "success", "rows", "unexpected", "%"):
        outcomes.add_column(column, overflow="fold")
    for e in item["expectations"]:
        outcomes.add_row(
            Text(e["suite"]),
            Text(e["expectation"]),
            Text(e["severity"]),
            str(e["success"]),
            str(e["element_count"]),
            str(e["unexpected_count"]),
            f"{e['unexpected_percent']:g}",
        )
    console().print(outcomes)
    failed = [e for e in item["expectations"] if not e["success"]]
    if not failed:
        return
    behind = Table(
        title=Text(f"rows behind the failed expectations of run {run_row['run_id']}"),
        header_style="bold",
    )
    for column in ("severity", "expectation", "unexpected", "rows"):
        behind.add_column(column, overflow="fold")
    for e in failed:
        lines = [
            f"{r['key']}  ({e['column_name']}: {json.dumps(r['value'], ensure_ascii=False)})"
            if r["sampled"]
            else r["key"]
            for r in e["rows"]
        ]
        if not lines and e["observed_value"] is not None:
            lines = [f"observed: {e['observed_value']}"]
        more = e["unexpected_count"] - len(e["rows"])
        if e["rows"] and more > 0:
            lines.append(f"… {more} more (--rows, or the Data Docs)")
        behind.add_row(
            Text(e["severity"]),
            Text(f"{e['suite']}.{e['expectation']}"),
            str(e["unexpected_count"]),
            Text("\n".join(lines)),
        )
    console().print(behind)


@app.command(cls=Command)
@settings_options("db", "reports_dir", "endpoint_url")
def report(
    settings: Settings,
    run_id: Annotated[
        str | None, typer.Option("--run", help="This run (a run_id) instead of the latest.")
    ] = None,
    last: Annotated[
        int | None,
        typer.Option("--last", min=1, help=with_default("The newest N runs.", "1, the latest")),
    ] = None,
    rows: Annotated[
        int, typer.Option(min=0, help="Rows listed per failed expectation.", show_default=True)
    ] = 20,
    html: Annotated[
        Path | None,
        typer.Option(help="Also write the report page with its charts to this file."),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """A run's counts, every expectation's outcome and the rows behind each failed one, and
    where the Data Docs are: the latest run, the one given with --run, or the newest N. With
    --html, also the daily report page with charts."""
    if run_id is not None and last is not None:
        raise fail("bad arguments: --run and --last exclude each other", EXIT_USAGE)
    page = None
    with reading(settings) as con:
        runs = gather_runs(con, run_id, last or 1, rows)
        if html is not None:
            from newsetl.datadocs_assets import VendorError
            from newsetl.report_page import write_report_page

            try:
                page = write_report_page(con, settings.catalog.describe(), html)
            except VendorError as exc:
                raise fail(str(exc)) from None
    docs = settings.reports_dir / "data_docs" / "index.html"
    docs_path = str(docs.resolve()) if docs.is_file() else None
    if run_id is not None and not runs:
        raise fail(f"no run {run_id} in {settings.catalog.describe()}")
    page_path = None if page is None else str(page.resolve())
    if json_output:
        document = {"catalog": settings.catalog.describe(), "data_docs": docs_path, "runs": runs}
        if page_path:  # only with --html
            document["report_page"] = page_path
        print_json(document)
        return
    if page_path:
        console().print(Text(f"Report page: {page_path}"), soft_wrap=True)
    if not runs:
        console().print("No runs recorded yet.")
        return
    for item in runs:
        show_report(item, rows)
    if docs_path:
        console().print(Text(f"Data Docs: {docs_path}"))
    else:
        console().print(Text(f"Data Docs not built yet (expected at {docs})"))


# --- status ------------------------------------------------------------------------------------

HOLDER_KEYS = ("pid", "host", "command", "since", "catalog", "scope")


@app.command(cls=Command)
@settings_options("db", "endpoint_url")
def status(settings: Settings, json_output: JsonOption = False) -> None:
    """Whether a run is writing now (and which), the last run and its outcome, how fresh the
    warehouse is, and the oldest object in quarantine. Never waits for a running writer."""
    from newsetl.lock import writers
    from newsetl.warehouse import sql_file

    catalog = settings.catalog
    running = writers(catalog)
    data: dict[str, Any] = {
        "catalog": catalog.describe(),
        "warehouse_exists": catalog.exists(),
        "in_progress": [
            h.as_dict() if h is not None else dict.fromkeys(HOLDER_KEYS) for h in running
        ],
        "last_run": None,
        "last_completed_run": None,
        "quarantine": None,
    }
    if not catalog.exists() and not running:
        raise fail(f"warehouse not found: {catalog.describe()}")
    if catalog.exists():
        with reading(settings) as con:
            latest = records(con, sql_file("cli/runs.sql"), {"run_id": None, "limit": 1})
            state = records(con, sql_file("cli/status.sql"))[0]
        data["last_run"] = latest[0] if latest else None
        if state["last_completed_run_id"] is not None:
            data["last_completed_run"] = {
                "run_id": state["last_completed_run_id"],
                "finished_at": state["last_completed_at"],
                "age_seconds": round(since(state["last_completed_at"]), 1),
            }
        oldest = None
        if state["oldest_key"] is not None:
            oldest = {
                "key": state["oldest_key"],
                "reasons": state["oldest_reasons"],
                "run_id": state["oldest_run_id"],
                "quarantined_at": state["oldest_quarantined_at"],
                "age_seconds": round(since(state["oldest_quarantined_at"]), 1),
            }
        data["quarantine"] = {"held": state["held"], "oldest": oldest}
    if json_output:
        print_json(data)
        return
    table = Table(title=Text(f"status of {catalog.describe()}"), show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    if running:
        for holder in running:
            table.add_row("run in progress", Text(holder.describe() if holder else "yes"))
    else:
        table.add_row("run in progress", "no")
    last_run = data["last_run"]
    if last_run is None:
        table.add_row("last run", "none recorded" if catalog.exists() else "warehouse not made yet")
    else:
        line = (
            f"{last_run['run_id']}: {last_run['status']}, finished {when(last_run['finished_at'])}"
            f" ({age(since(last_run['finished_at']))} ago)"
        )
        if last_run["status"] != "completed" and last_run.get("message"):
            line += f": {last_run['message']}"
        table.add_row("last run", Text(line))
    fresh = data["last_completed_run"]
    table.add_row(
        "freshness",
        Text(
            f"last completed run {age(fresh['age_seconds'])} ago ({fresh['run_id']})"
            if fresh
            else "no completed run"
        ),
    )
    quarantine = data["quarantine"]
    if quarantine is not None:
        oldest = quarantine["oldest"]
        text = f"{quarantine['held']} held"
        if oldest:
            text += (
                f"; oldest {oldest['key']}, held {age(oldest['age_seconds'])} "
                f"({', '.join(oldest['reasons'] or [])})"
            )
        table.add_row("quarantine", Text(text))
    console().print(table)


# --- sql, maintain, migrate-warehouse ----------------------------------------------------------

SQL_FORMATS = ("table", "csv", "json")


@app.command("sql", cls=Command)
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
        from newsetl.catalog import WarehouseError
        from newsetl.shell import run_shell

        try:
            raise typer.Exit(run_shell(settings.catalog, endpoint_url=settings.endpoint_url))
        except WarehouseError as exc:
            raise fail(str(exc)) from None
    import duckdb

    with reading(settings) as con:
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
        console().print(relation_table(f"{frame.height} rows", frame))


@app.command(cls=Command)
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
    from newsetl.catalog import WarehouseError
    from newsetl.maintain import maintain as run_maintenance
    from newsetl.warehouse import connect

    catalog = settings.catalog
    if not catalog.exists():
        raise fail(f"warehouse not found: {catalog.describe()}")
    with Feedback() as feedback, writing(settings, "", feedback):
        feedback("maintaining")
        try:
            con = connect(catalog, endpoint_url=settings.endpoint_url)
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


@app.command("migrate-warehouse", cls=Command)
@settings_options("db", "data_path", "endpoint_url")
def migrate_warehouse(
    settings: Settings,
    old: Annotated[Path, typer.Argument(help="A warehouse file made by an earlier version.")],
) -> None:
    """Move a DuckDB-file warehouse (all tables, quarantine bytes, run history) into a new, empty
    lake, indexing its articles for search, in one snapshot."""
    from newsetl.catalog import WarehouseError
    from newsetl.upgrade import migrate_duckdb_warehouse

    try:
        counts = migrate_duckdb_warehouse(old, settings)
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    table = Table(title=Text(f"{old} moved into {settings.catalog.describe()}"), show_header=False)
    for name, value in counts.items():
        table.add_row(name, str(value))
    console().print(table)


def main() -> None:  # pragma: no cover - console entry point
    app()
