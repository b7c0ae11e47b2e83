"""Signals to a command (issue 23): SIGINT as Ctrl-C sends it (to the terminal's whole foreground
process group), SIGTERM as `timeout`, systemd and container runtimes send it (often to the group
too), SIGHUP as a closed terminal sends it.

Each command is held at a named moment (newsetl.common.checkpoints), the signal goes to its
group (or its PID), and then it must end within 5 s with exit 128 + N and one line on stderr (no
traceback, no Prefect error) saying whether its run was committed, and which; no process it
started may be left running, no staging folder behind, and its pipes reach EOF at once.

One lake goes through the moments in turn (a run stopped by Ctrl-C while fetching and inside the
load transaction, by SIGTERM right after its commit, by two Ctrl-C while its Data Docs are
written; a `quarantine retry` stopped by SIGHUP to its PID inside its transaction), against the
shared Prefect server, and a last run heals everything. One more run, stopped by SIGTERM while
fetching, has no Prefect API configured and so starts its own temporary server: the signal to
the group must not reach that server before the flow run's last state change. Every CLI start
costs the file seconds, so it does not take the whole product of moments and signals.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsetl.common.localserver import alive
from tests.e2e.faults.conftest import Checkpoint, Warehouse, article, read_to_eof
from tests.e2e.faults.invariants import (
    kill_helpers,
    placed,
    rows,
    table_hashes,
    wait_for_no_helpers,
)

pytestmark = pytest.mark.slow  # seven commands, six of them stopped

STOP_SECONDS = 5.0  # from the signal to the exit, at most
GRACE_SECONDS = 5.0  # for a process the command started to be gone after it exited
OBJECTS = 6
BLANK = "zz-бос.txt"  # quarantined: no content
NOTHING = r"newsetl: stopped by {name}: run (\S+) committed nothing; the lake is as it was"
COMMITTED = r"newsetl: stopped by {name}: run (\S+) was committed as snapshot \d+; .*"


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def add_articles(folder: Path, first: int, n: int) -> None:
    """Real Kazakh and Russian articles, each different, in a bucket-less source."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(first, first + n):
        (folder / f"{i:03d}-{'kk' if i % 2 else 'ru'}.txt").write_bytes(article(i))


@dataclass
class Stop:
    code: int
    err: str
    seconds: float
    run_id: str  # from the one line
    started: set[int]  # the processes the command had started by the time of the signal


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc (whatever process group it moved to)."""
    parents: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def stop_at(
    newsetl,
    lake: Warehouse,
    args: list[str],
    moment: str,
    signum: int,
    *,
    group: bool = True,
    twice: bool = False,
    prefect: bool = True,
    committed: bool = False,
    on_hold=None,
) -> Stop:
    """Run `newsetl *args` to `moment`, send `signum` (twice, when asked), and check how it
    ended; `on_hold(pid)` is called while it is held there."""
    name = signal.Signals(signum).name
    folder = lake.dir.parent / "checkpoints" / f"{moment}-{name}"
    checkpoint = Checkpoint(folder, moment)
    env = {  # the fork server and its workers, even for a few articles
        **checkpoint.env,
        "NEWSETL_PARSE_PROCESSES": "2",
        "NEWSETL_PARSE_POOL_MIN_OBJECTS": "0",
    }
    process, tag = newsetl.spawn(*args, env=env, prefect=prefect)
    try:
        at = checkpoint.wait(process, tag)
        log(f"{args[0]} at {moment} ({at}); {name} to its {'group' if group else 'PID'}")
        started = descendants(process.pid)
        if on_hold is not None:
            on_hold(process.pid)
        send = os.killpg if group else os.kill
        sent = time.monotonic()
        send(process.pid, signum)
        if twice:
            send(process.pid, signum)
        checkpoint.close()  # the held step ends, as a real fetch or write would
        _, err, eof = read_to_eof(process, STOP_SECONDS + 10)
        try:
            process.wait(timeout=max(0.1, sent + STOP_SECONDS - time.monotonic()))
        except Exception:
            raise AssertionError(
                f"still running {STOP_SECONDS:g} s after {name}:\n{err[-3000:]}"
            ) from None
        seconds = time.monotonic() - sent
    finally:
        checkpoint.close()
    log(f"exit {process.returncode} {seconds:.1f} s after {name}")

    assert process.returncode == 128 + signum, f"exit {process.returncode}\n{err}"
    assert seconds <= STOP_SECONDS
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"one line expected on stderr, got:\n{err}"
    said = re.fullmatch((COMMITTED if committed else NOTHING).format(name=name), lines[0])
    assert said, lines[0]
    assert eof, "stdout or stderr still held open by a process of the command"
    left = wait_for_no_helpers(process.pid, tag, GRACE_SECONDS)
    kill_helpers(left)
    assert not left, "left running: " + "; ".join(map(str, left))
    assert not [pid for pid in started if alive(pid)], "a process it started is left"
    leftover = sorted(p.name for p in lake.staging.iterdir()) if lake.staging.exists() else []
    assert not leftover, f"staging folder left: {leftover}"
    return Stop(process.returncode, err, seconds, said.group(1), started)


def recorded(lake: Warehouse, run_id: str) -> list[tuple]:
    return rows(lake.db, "SELECT status FROM ingest_runs WHERE run_id = ?", [run_id])


def test_signals_at_every_moment_of_one_lake(newsetl, lake: Warehouse, tmp_path: Path) -> None:
    source = tmp_path / "source"
    add_articles(source, 0, OBJECTS)
    (source / BLANK).write_bytes(b" \n ")
    run = [*lake.args(str(source)), "--lock-timeout", "0"]

    # Ctrl-C while the first objects are fetched: nothing of the run in the lake.
    stopped = stop_at(newsetl, lake, run, "fetching", signal.SIGINT)
    assert not lake.db.exists() or not recorded(lake, stopped.run_id)
    assert not lake.db.exists() or rows(lake.db, "SELECT count(*) FROM articles") == [(0,)]

    # Ctrl-C inside the load transaction, before its COMMIT: rolled back.
    before = table_hashes(lake.db)
    stopped = stop_at(newsetl, lake, run, "loading", signal.SIGINT)
    assert table_hashes(lake.db) == before

    # SIGTERM right after the commit: the line says which snapshot the run is.
    stopped = stop_at(newsetl, lake, run, "committed", signal.SIGTERM, committed=True)
    assert recorded(lake, stopped.run_id) == [("completed",)]
    assert rows(lake.db, "SELECT count(*) FROM articles") == [(OBJECTS,)]
    assert rows(lake.db, "SELECT key FROM quarantine") == [(BLANK,)]

    # Ctrl-C twice while the GX process writes the Data Docs: committed, out at once.
    add_articles(source, OBJECTS, 2)
    stopped = stop_at(newsetl, lake, run, "reports", signal.SIGINT, twice=True, committed=True)
    assert recorded(lake, stopped.run_id) == [("completed",)]
    assert rows(lake.db, "SELECT count(*) FROM articles") == [(OBJECTS + 2,)]

    # SIGHUP to `quarantine retry` alone, inside its transaction: rolled back.
    before = table_hashes(lake.db)
    retry = ["quarantine", "retry", "--db", str(lake.db), "--reports-dir", str(lake.reports)]
    stop_at(newsetl, lake, retry, "loading", signal.SIGHUP, group=False)
    assert table_hashes(lake.db) == before

    # The next run takes the lock at once and heals everything.
    add_articles(source, OBJECTS + 2, 1)
    healed = newsetl(*run)
    assert healed.code == 0, healed
    place = placed(lake.db, [p.name for p in source.iterdir()])
    assert len(place.articles) == OBJECTS + 3 and place.quarantine == {BLANK}
    assert not lake.staging.exists() or not list(lake.staging.iterdir())
    assert not wait_for_no_helpers(healed.pid, healed.tag, GRACE_SECONDS)


def listening_addresses(pid: int) -> set[str]:
    """The IPv4 and IPv6 addresses process `pid` listens on, from /proc/net/tcp*."""
    inodes = set()
    for fd in (Path("/proc") / str(pid) / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table_path in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table_path).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                address = bytes.fromhex(fields[1].split(":")[0])
                if len(address) == 4:
                    found.add(".".join(str(b) for b in reversed(address)))
                else:
                    found.add(address.hex())
    return found


def server_processes(pids: set[int]) -> list[int]:
    """Those of `pids` that serve Prefect's API app."""
    found = []
    for pid in pids:
        try:
            if b"create_app" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


def test_sigterm_to_the_group_with_a_temporary_prefect_server(
    newsetl, lake: Warehouse, tmp_path: Path
) -> None:
    """No Prefect API configured: the CLI starts its own server (on 127.0.0.1 only), which a
    signal to the CLI's group must not reach: it records the flow run's end, then the CLI stops
    it along with the GX process and the parse workers."""
    source = tmp_path / "source"
    add_articles(source, 0, 3)
    addresses: set[str] = set()

    def server_listens(pid: int) -> None:
        servers = server_processes(descendants(pid))
        assert servers, "no temporary Prefect server"
        addresses.update(address for server in servers for address in listening_addresses(server))

    stopped = stop_at(
        newsetl,
        lake,
        [*lake.args(str(source)), "--lock-timeout", "0"],
        "fetching",
        signal.SIGTERM,
        prefect=False,
        on_hold=server_listens,
    )
    assert addresses == {"127.0.0.1"}
    assert len(stopped.started) >= 4, "the server, the GX process and the fork server"
    assert not recorded(lake, stopped.run_id)
    assert rows(lake.db, "SELECT count(*) FROM articles") == [(0,)]
    # The server outlived the flow run's last state change: it is on record as ended.
    with sqlite3.connect(newsetl.home / "prefect.db") as db:
        states = db.execute("SELECT state_type FROM flow_run").fetchall()
    assert states == [("CRASHED",)], states
