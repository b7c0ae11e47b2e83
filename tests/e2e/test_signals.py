"""A CLI run stopped by a signal: what it started (the temporary Prefect server, the GX process,
the parse workers) goes with it, and the lake holds nothing of the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import SAMPLE, table
from tests.runtime.test_prefect_api import bare_env


def server_processes(home: Path) -> list[int]:
    """Live processes serving Prefect's API app with this PREFECT_HOME."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"create_app" in cmdline and f"PREFECT_HOME={home}".encode() in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


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


def bare_run(tmp_path: Path) -> dict:
    """`newsetl run` of the samples into tmp_path, with no Prefect API anywhere: keyword
    arguments for subprocess.run or Popen."""
    exe = Path(sys.executable).with_name("newsetl")
    db = tmp_path / "news.sqlite"
    return {
        "args": [str(exe), "run", "--source", str(SAMPLE), "--db", str(db)],
        "cwd": tmp_path,
        "env": {
            **bare_env(tmp_path / "home"),
            "NEWSETL_REPORTS_DIR": str(tmp_path / "reports"),
            "NEWSETL_PARSE_POOL_MIN_OBJECTS": "0",  # parse workers even for five articles
        },
    }


def descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc."""
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


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_a_cli_run_stopped_with_sigterm_stops_everything_it_started(tmp_path: Path) -> None:
    """A scheduler's SIGTERM mid-run: the command exits 143, its server (which listened on
    127.0.0.1 only), GX process and parse workers go with it, and the warehouse holds nothing of
    the run."""
    home = tmp_path / "home"
    db = tmp_path / "news.sqlite"
    process = subprocess.Popen(
        **bare_run(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started: set[int] = set()
    deadline = time.monotonic() + 120
    # The server, the GX process and the parse workers' fork server are all up.
    while time.monotonic() < deadline and process.poll() is None and len(started) < 4:
        started |= descendants(process.pid)
        time.sleep(0.2)
    assert len(started) >= 4, "the run ended before it could be stopped"
    servers = server_processes(home)
    assert servers
    assert {address for pid in servers for address in listening_addresses(pid)} == {"127.0.0.1"}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(alive(pid) for pid in started):
        time.sleep(0.2)
    assert [command(pid) for pid in started if alive(pid)] == []
    assert server_processes(home) == []
    if db.exists():
        assert table(db, "SELECT count(*) FROM articles") == [(0,)]
