"""What the command line prints: results on stdout, everything else (errors, what a run is
doing) on stderr, so that `--json` output can be piped. Text from the bucket (keys, reasons) and
from other processes (a lock holder's command) is never read as Rich markup."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape


def console() -> Console:
    """Results, on stdout. Made per use, so it follows the terminal (and COLUMNS) of the moment."""
    return Console(stderr=False)


def errors() -> Console:
    """Errors and what a command is doing, on stderr."""
    return Console(stderr=True)


EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNREAD, EXIT_FOLLOWUP = 0, 1, 2, 3, 4


def fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    from newsetl.common import interrupt

    if interrupt.stopping():  # what a signal broke: the command's one line says it all
        return typer.Exit(interrupt.finish())
    errors().print(f"[bold red]newsetl:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def print_json(data: Any) -> None:
    """One JSON document on stdout, written as is (Rich would wrap and colour it)."""
    sys.stdout.write(json.dumps(data, default=_plain, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


PHASES = {
    "checking": "checking the warehouse, the lock and the source",
    "lock": "waiting for the writer lock",
    "prefect": "starting Prefect",
    "warehouse": "opening the warehouse",
    "listing": "listing the source",
    "fetch": "fetching and parsing",
    "validating": "validating",
    "loading": "loading (one snapshot)",
    "reports": "building the Data Docs",
    "enriching": "enriching (entities, stories, near-duplicates)",
}


class Feedback:
    """On a terminal, one live line on stderr from the command's first second to its end: what
    the run is doing, a bar with a real total while fetching, and the time since the command
    started. Nothing when stderr is not a terminal (CI, cron, a pipe)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.progress = None

    def __enter__(self) -> Feedback:
        if not self.enabled:
            return self
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=errors(),
            transient=True,
        )
        self.task = self.progress.add_task("starting", total=None, count="")
        # The clock shows the whole command, start-up included.
        self.progress.tasks[0].start_time = time.monotonic() - command_seconds()
        self.progress.start()
        return self

    def __call__(self, phase: str, done: int = 0, total: int = 0) -> None:
        """The progress callback (newsetl.common.progress): phase, objects done, objects in all."""
        if self.progress is None:
            return
        self.progress.update(
            self.task,
            description=escape(PHASES.get(phase, phase)),
            completed=done,
            total=total or None,
            count=f"{done:,}/{total:,}" if total else "",
        )
        self.progress.refresh()  # a phase of a few milliseconds is shown too

    def waiting(self, holder: Any) -> None:
        """The writer lock is held: say by whom, at once."""
        who = holder.describe() if holder is not None else "another run"
        self("lock")
        if self.progress is not None:
            self.progress.update(self.task, description=escape(f"waiting for {who} to finish"))
            self.progress.refresh()

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


_IMPORTED = time.monotonic()


def command_seconds() -> float:
    """Seconds since this process started: the wall time of the whole command, interpreter
    start and imports included (from /proc on Linux; elsewhere, since this module loaded)."""
    try:
        import os

        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start, after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(uptime - started, time.monotonic() - _IMPORTED)
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED


def age(seconds: float | None) -> str:
    """A duration as people say it: 45 s, 12 min, 3 h 5 min, 4 d 2 h."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"
