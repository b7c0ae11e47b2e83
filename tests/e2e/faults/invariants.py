"""What must hold after any fault: every listed object in exactly one place, no duplicate keys, a
failed or killed run changing no table, and nothing of a killed run left running.

Processes are read from /proc (Linux), not psutil: psutil is in the bench group only, and
`make test` syncs the environment without it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

# A value every test run of the CLI carries in its environment; its descendants inherit it, so
# they can be found after a kill has made them orphans of init.
TAG_VAR = "NEWSETL_FAULT_TAG"


# --- the warehouse ----------------------------------------------------------------------------


def _connect(db: Path | str):
    import newsetl

    return newsetl.connect(str(db), read_only=True)


def table_names(db: Path | str) -> list[str]:
    """Every table of the lake (the contract's and newsetl_internal's), as schema.table."""
    con = _connect(db)
    try:
        rows = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = 'news' ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    return [f"{schema}.{name}" for schema, name in rows]


def table_hashes(db: Path | str) -> dict[str, str]:
    """A content hash per table, independent of row order (DuckLake promises none)."""
    con = _connect(db)
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = 'news' ORDER BY ALL"
        ).fetchall()
        hashes = {}
        for schema, name in tables:
            rows = con.execute(f'SELECT * FROM news."{schema}"."{name}"').fetchall()
            digests = sorted(hashlib.sha256(repr(row).encode()).digest() for row in rows)
            whole = hashlib.sha256(b"".join(digests)).hexdigest()[:16]
            hashes[f"{schema}.{name}"] = f"{len(rows)}:{whole}"
        return hashes
    finally:
        con.close()


def rows(db: Path | str, sql: str, params: list | None = None) -> list[tuple]:
    con = _connect(db)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def files_holding(secret: str, *folders: Path) -> list[str]:
    """Every file under the folders whose bytes hold the secret (as it is, or as JSON would
    escape it: a secret of ASCII letters and digits reads the same either way)."""
    needle = secret.encode()
    return sorted(
        str(path)
        for folder in folders
        for path in Path(folder).rglob("*")
        if path.is_file() and not path.is_symlink() and needle in path.read_bytes()
    )


def prefect_database() -> list[Path]:
    """The shared test server's SQLite files (database and WAL)."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    path = Path(url.split("///", 1)[1])
    return [p for p in path.parent.glob(path.name + "*") if p.is_file()]


@dataclass
class Placement:
    articles: set[str]  # live rows
    quarantine: set[str]  # held rows
    deleted: set[str]  # keys whose source state is `deleted`
    unread: set[str]  # listed keys in no place, reported unread


def placed(db: Path | str, listed_keys, unread=()) -> Placement:
    """Every listed key is in exactly one place (a live row of `articles` or a held row of
    `quarantine`; an unchanged key keeps the row it had), or was reported unread by the last run
    (then it may keep the row it had, but never two); no key twice in `articles`, `quarantine` or
    `source_objects`; no listed key marked deleted."""
    listed, unread = set(listed_keys), set(unread)
    for name in ("articles", "quarantine", "source_objects"):
        dupes = rows(db, f"SELECT key, count(*) FROM {name} GROUP BY key HAVING count(*) > 1")
        assert not dupes, f"duplicate keys in {name}: {dupes}"
    live = {k for (k,) in rows(db, "SELECT key FROM articles WHERE deleted_at IS NULL")}
    held = {k for (k,) in rows(db, "SELECT key FROM quarantine WHERE deleted_at IS NULL")}
    gone = {k for (k,) in rows(db, "SELECT key FROM source_objects WHERE status = 'deleted'")}
    both = live & held & listed
    assert not both, f"in articles and quarantine at once: {sorted(both)}"
    nowhere = listed - live - held - unread
    assert not nowhere, f"listed but in no place and not reported unread: {sorted(nowhere)}"
    marked = listed & gone
    assert not marked, f"listed but marked deleted: {sorted(marked)}"
    return Placement(live & listed, held & listed, gone, (listed - live - held) & unread)


# --- processes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Helper:
    pid: int
    cmdline: str
    listening: tuple[int, ...]  # TCP ports it listens on

    def __str__(self) -> str:
        ports = f" listening on {list(self.listening)}" if self.listening else ""
        return f"{self.pid} {self.cmdline[:160]}{ports}"


def _proc_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _proc_info(pid: int) -> tuple[int, str, bytes, str] | None:
    """pgid, state, environ, cmdline of a process from /proc (None when it is gone or hidden)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        state, pgid = fields[0], int(fields[2])
        environ = Path(f"/proc/{pid}/environ").read_bytes()
        cmdline = (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except (OSError, ValueError):
        return None
    return pgid, state, environ, cmdline.strip()


def _listening_ports(pid: int) -> tuple[int, ...]:
    """TCP ports a process listens on: its socket inodes matched against /proc/net/tcp*."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return ()
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A" and parts[9] in inodes:  # 0A: LISTEN
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return tuple(sorted(ports))


def live_helpers(pid_or_pgid: int, tag: str | None = None) -> list[Helper]:
    """Processes still alive (zombies aside) that a killed run started: in its process group, or
    carrying its tag in their environment (the way to find orphans that moved to a session of
    their own), the killed process itself excluded once it is gone; with their listening ports."""
    needle = f"{TAG_VAR}={tag}".encode() if tag else None
    found = []
    me = os.getpid()
    for pid in _proc_pids():
        if pid == me:
            continue
        info = _proc_info(pid)
        if info is None:
            continue
        pgid, state, environ, cmdline = info
        if state in ("Z", "X"):
            continue
        ours = pgid == pid_or_pgid or (needle is not None and needle in environ.split(b"\0"))
        if ours:
            found.append(Helper(pid, cmdline, _listening_ports(pid)))
    return found


def wait_for_no_helpers(pid_or_pgid: int, tag: str | None, grace: float = 8.0) -> list[Helper]:
    """The helpers still alive after `grace` seconds (orphans may take a moment to notice)."""
    deadline = time.monotonic() + grace
    while True:
        left = live_helpers(pid_or_pgid, tag)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def kill_helpers(helpers: list[Helper]) -> None:
    """Clean up after a test whose run left processes behind (by pid, these only)."""
    import signal

    for helper in helpers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(helper.pid, signal.SIGKILL)
