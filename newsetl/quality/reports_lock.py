"""The reports folder's lock: one writer at a time in `reports/`.

The folder holds GX's context and stored validation results (`gx/`), the Data Docs built from
them (`data_docs/`) and the daily report page. Ingest runs store results and build pages after
they release the warehouse's writer lock, and the `dq-report` flow takes no writer lock at all
(it only reads the lake), so without a lock of its own a run could store and prune results
while another renders pages and deletes orphans. Every writer of the folder holds this lock:
a file inside the folder, so two checkouts with two reports folders never wait for each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".reports.lock"
DEFAULT_TIMEOUT = 600.0  # seconds; callers with a --lock-timeout pass theirs


class ReportsLocked(RuntimeError):
    """Another process kept the reports folder for longer than the caller would wait."""


def lock_path(reports_dir: Path) -> Path:
    return Path(reports_dir) / LOCK_NAME


@contextmanager
def reports_lock(reports_dir: Path, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the reports folder's lock, waiting up to `timeout` seconds for it."""
    path = lock_path(reports_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise ReportsLocked(
            f"the reports folder {Path(reports_dir)} is being written by another run "
            f"(storing validation results, building Data Docs or the daily report); waited "
            f"{timeout:g} s (see --lock-timeout)"
        ) from None
    try:
        yield
    finally:
        lock.release()
