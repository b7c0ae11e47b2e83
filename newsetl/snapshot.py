"""A read-only snapshot of the warehouse for analysts, published after each committed run.

DuckDB allows one writing process per file, and a process holding the file read-only blocks
that writer. So the pipeline keeps the working file (`warehouse/news.duckdb`) to itself and
copies it, whole and consistent, to `warehouse/news.read.duckdb` for everyone else:

1. CHECKPOINT the working file (its WAL folded in), then close that connection;
2. open it read-only, which holds DuckDB's shared lock: no process can write it meanwhile;
3. copy it to a temp file in the snapshot's folder, fsync, mark it read-only, and os.replace it
   over the snapshot; fsync the folder.

An analyst connected to the old snapshot keeps the old inode and sees the old state until they
reconnect; a new connection sees the new state. Nobody ever sees a half-written file.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb

from newsetl import warehouse

SNAPSHOT_MODE = 0o444
_CHECKPOINT_ATTEMPTS = 3


class SnapshotError(RuntimeError):
    """The working file could not be copied consistently."""


def snapshot_path(db: Path) -> Path:
    """Where the snapshot of `db` is published: `news.duckdb` -> `news.read.duckdb`."""
    db = Path(db)
    return db.with_name(f"{db.stem}.read{db.suffix}")


def publish_snapshot(db: Path, snapshot: Path | None = None, *, timeout: float = 60.0) -> Path:
    """Atomically replace the read-only snapshot of `db` with a copy of its committed state.

    Call it after the run's writer connection is closed (in the same process an open connection
    to `db` makes this fail; in another process it makes this wait up to `timeout` seconds).
    Returns the snapshot's path."""
    db = Path(db)
    target = Path(snapshot) if snapshot is not None else snapshot_path(db)
    if target.resolve() == db.resolve():
        raise SnapshotError("the snapshot cannot be the working file itself")
    if not db.is_file():
        raise SnapshotError(f"no warehouse at {db}")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    wal = db.with_name(db.name + ".wal")
    for _ in range(_CHECKPOINT_ATTEMPTS):
        con = warehouse.connect(db, timeout=timeout)
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        try:
            reader = warehouse.connect(db, read_only=True, timeout=timeout)
        except duckdb.ConnectionException as exc:
            # DuckDB refuses a read-only connection beside a read-write one in one process.
            raise SnapshotError(
                f"{db} is still open for writing in this process; close it before publishing"
            ) from exc
        try:
            # A writer that slipped in between the two connections left commits in the WAL;
            # the file alone would miss them: fold them in and try again.
            if wal.exists() and wal.stat().st_size > 0:
                continue
            _copy_over(db, target)
            return target
        finally:
            reader.close()
    raise SnapshotError(f"{db} kept changing; could not take a checkpointed copy")


def _copy_over(src: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(src, tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, SNAPSHOT_MODE)
        # A WAL beside the snapshot could only come from someone opening it read-write; it
        # belongs to the old file and must not be replayed into the new one.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temps(target: Path) -> None:
    """Temp files left by a publisher that died mid-copy (its process is gone)."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.tmp$")
    for path in target.parent.glob(f".{target.name}.*.tmp"):
        match = pattern.match(path.name)
        if match and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
