"""`newsetl status`: whether a run is writing, the last run, freshness and the oldest held
object."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from newsetl.cli.options import JsonOption, settings_options
from newsetl.cli.reader import reading, records, since, when
from newsetl.cli.terminal import (
    age,
    console,
    fail,
    print_json,
)
from newsetl.common.settings import Settings

HOLDER_KEYS = ("pid", "host", "command", "since", "catalog", "scope")


@settings_options("db", "endpoint_url")
def status(settings: Settings, json_output: JsonOption = False) -> None:
    """Whether a run is writing now (and which), the last run and its outcome, how fresh the
    warehouse is, and the oldest object in quarantine. Never waits for a running writer."""
    from newsetl.common.sqlfiles import sql_file
    from newsetl.lake.lock import writers

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
