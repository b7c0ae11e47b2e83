"""`newsetl report`: a run's counts, every expectation's outcome and the rows behind each
failed one."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import JsonOption, settings_options, with_default
from newsetl.cli.reader import reading, records, when
from newsetl.cli.terminal import (
    EXIT_USAGE,
    console,
    fail,
    print_json,
)
from newsetl.common.settings import Settings


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
    from newsetl.common.sqlfiles import sql_file

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
            from newsetl.quality.datadocs_assets import VendorError
            from newsetl.quality.report_page import write_report_page

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
