"""The writer lock: one writing run per file catalog (per source on a PostgreSQL one), and a
record of who holds it.

The lock is an OS lock (flock) on `<catalog>.lock`, so it is free the moment its holder exits,
however it exits. Beside it, `<catalog>.lock.holder` names the holder: PID, host, command line
and since when. The record is only believed while the lock is held: a holder killed with
SIGKILL leaves its record behind, and the next holder replaces it.

The lock is re-entrant within the context that holds it (a context variable: the thread, and
what it hands its context to): the command line takes it before Prefect starts (so that it can
wait for, or name, another run at once) and the flow it then calls takes it again. Other threads
of the process are kept out like other processes.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from newsetl.common.catalog import Catalog, WarehouseError, redact

HOLDER_SUFFIX = ".holder"
MAX_COMMAND_CHARS = 300

_held: ContextVar[frozenset[str]] = ContextVar("newsetl_writer_locks", default=frozenset())


@dataclass(frozen=True)
class Holder:
    """Who holds a writer lock."""

    pid: int
    host: str
    command: str
    since: str  # ISO 8601, UTC
    catalog: str
    scope: str  # the source, for a PostgreSQL catalog's per-source lock

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"PID {self.pid}{where} ({self.command}), since {self.since}"

    def as_dict(self) -> dict:
        return asdict(self)


def holder_path(lock: Path) -> Path:
    return lock.with_name(lock.name + HOLDER_SUFFIX)


def command_line() -> str:
    """This process's command line as one would type it, with any password taken out."""
    words = list(sys.argv)
    if words and words[0]:
        words[0] = Path(words[0]).name
        if words[0].endswith(".py") or words[0] in ("-c", "-m"):
            words.insert(0, "python")
    text = redact(shlex.join(words)) if words else "python"
    text = " ".join(text.split())  # one line, whatever the arguments held
    return text if len(text) <= MAX_COMMAND_CHARS else text[: MAX_COMMAND_CHARS - 1] + "…"


def read_holder(lock: Path) -> Holder | None:
    """The holder record beside a lock file, if there is a readable one."""
    try:
        data = json.loads(holder_path(lock).read_text(encoding="utf-8"))
        return Holder(**{name: data[name] for name in Holder.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_held(lock: Path) -> bool | None:
    """Whether some process holds the lock now, found without taking it for more than an
    instant and without waiting. None where it cannot be told (no flock on this system)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(lock, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def current_holder(lock: Path) -> tuple[bool, Holder | None]:
    """(held, holder): the record is returned only while the lock is held."""
    held = is_held(lock)
    if not held:
        return False, None
    return True, read_holder(lock)


def busy_message(catalog: Catalog, holder: Holder | None) -> str:
    who = holder.describe() if holder else "a process that left no record"
    return f"{catalog.describe()} is being written by another run: {who}"


def check_lock_file(lock: Path) -> None:
    """A lock file that cannot be created or opened can never be taken: say so now, instead
    of waiting out the lock timeout and blaming another run."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WarehouseError(f"cannot create the lock file {lock}: {exc.strerror or exc}") from None
    os.close(fd)


def _write_holder(lock: Path, catalog: Catalog, scope: str) -> None:
    record = Holder(
        pid=os.getpid(),
        host=socket.gethostname(),
        command=command_line(),
        since=datetime.now(UTC).isoformat(timespec="seconds"),
        catalog=catalog.describe(),
        scope=scope,
    )
    target = holder_path(lock)
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:  # the record helps people; the lock itself does not need it
        temporary.write_text(json.dumps(record.as_dict()), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:  # a full disk, say: no half-written record is left behind
        with suppress(OSError):
            temporary.unlink()


def _remove_holder(lock: Path) -> None:
    holder = read_holder(lock)
    if holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname():
        with suppress(OSError):
            holder_path(lock).unlink()


@contextmanager
def writer_lock(
    catalog: Catalog,
    timeout: float,
    scope: str = "",
    *,
    on_wait: Callable[[Holder | None], None] | None = None,
) -> Iterator[None]:
    """One writing run per catalog (file) or per source (PostgreSQL), held for the whole run so
    two runs never plan against the same state. A lock another process holds is waited for up
    to `timeout` seconds (`on_wait` is told whom it waits for); the error then names the holder.
    A lock file that cannot be created fails at once."""
    from filelock import FileLock, Timeout

    path = catalog.lock_path(scope)
    key = os.path.abspath(path)
    if key in _held.get():
        yield  # this context holds it already
        return

    check_lock_file(path)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait is not None:
            on_wait(read_holder(path))
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            holder = read_holder(path)
            advice = (
                f"wait for it to finish, or stop it (kill {holder.pid}), then run again"
                if holder
                else "wait for it to finish, then run again"
            )
            raise WarehouseError(
                f"{busy_message(catalog, holder)}; waited {timeout:g} s (--lock-timeout): {advice}"
            ) from None
    token = _held.set(_held.get() | {key})
    try:
        _write_holder(path, catalog, scope)
        yield
    finally:
        _held.reset(token)
        _remove_holder(path)
        lock.release()


def writers(catalog: Catalog) -> list[Holder | None]:
    """The runs writing to this lake now, found without waiting: the one lock of a file
    catalog; for a PostgreSQL catalog, the per-source locks on this machine whose holder
    records name it. An entry is None when the lock is held but its holder left no record."""
    if catalog.is_file:
        held, holder = current_holder(catalog.lock_path())
        return [holder] if held else []
    found: list[Holder | None] = []
    name = catalog.describe()
    for lock in sorted(catalog.lock_path().parent.glob("*.lock")):
        held, holder = current_holder(lock)
        if held and holder is not None and holder.catalog == name:
            found.append(holder)
    return found


# Where SQLite takes the lock of a write transaction: in WAL mode the WRITE byte of the `-shm`
# file, in rollback-journal mode the RESERVED and PENDING bytes of the database file.
_SQLITE_WRITE_BYTES = {"-shm": (120, 120), "": (0x40000000, 0x40000001)}


def sqlite_writers(path: Path) -> list[int]:
    """PIDs of other processes holding a SQLite write transaction on the file at `path`: the
    POSIX locks in /proc/locks (Linux) on its WRITE or RESERVED bytes. Empty where unknown."""
    files = {}
    for suffix, span in _SQLITE_WRITE_BYTES.items():
        with suppress(OSError):
            info = os.stat(f"{path}{suffix}")
            files[(os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)] = span
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "POSIX" or fields[3] != "WRITE":
            continue  # "N: POSIX ADVISORY WRITE pid maj:min:inode start end"
        try:
            pid = int(fields[4])
            major, minor, inode = fields[5].split(":")
            key = (int(major, 16), int(minor, 16), int(inode))
            start, end = int(fields[6]), (1 << 63 if fields[7] == "EOF" else int(fields[7]))
        except ValueError:
            continue
        span = files.get(key)
        if span and pid != os.getpid() and start <= span[1] and span[0] <= end:
            found.append(pid)
    return sorted(set(found))


def sqlite_locked_message(path: Path) -> str:
    """Why a commit to a SQLite catalog found it locked: another process's write transaction,
    named when it can be found."""
    pids = sqlite_writers(path)
    if pids:
        who = "; ".join(f"PID {pid} ({_process_command(pid)})" for pid in pids)
    else:
        who = "a process this machine cannot name (another host on a shared folder?)"
    return (
        f"the SQLite catalog {path} is locked by another process holding a write transaction "
        f"on it, outside newsetl's writer lock: {who}; end that transaction, then run again"
    )


def _process_command(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "gone"
    words = [Path(words[0]).name, *words[1:]] if words and words[0] else words
    text = " ".join(redact(shlex.join([w for w in words if w])).split())
    return text if len(text) <= MAX_COMMAND_CHARS else text[: MAX_COMMAND_CHARS - 1] + "…"
