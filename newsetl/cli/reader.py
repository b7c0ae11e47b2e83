"""What the reading commands share: the lake attached read-only, a lake being written named as such,
rows as dicts, and moments shown in UTC."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from newsetl.cli.terminal import (
    fail,
)
from newsetl.common.settings import Settings


def unreadable(settings: Settings, problem: str) -> str:
    """Why the lake cannot be read: a run writing it (named), else the problem itself."""
    from newsetl.lake.lock import writers

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

    from newsetl.common.catalog import WarehouseError
    from newsetl.lake.connection import connect

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
