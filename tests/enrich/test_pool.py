"""The enrichment's worker processes (newsetl.enrich.pool) leave when the process that started
them is killed alone: SIGKILL, the kernel's OOM killer, or a signal sent to its PID rather than
its group, none of which lets it stop them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]

# The parent: two workers, each of which writes its PID and then works for a minute.
PARENT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from newsetl.enrich.pool import map_chunks

    def work(chunk):
        Path(chunk[0]).joinpath(str(os.getpid())).touch()
        end = time.monotonic() + 60
        while time.monotonic() < end:
            pass
        return chunk

    folder = sys.argv[1]
    map_chunks(work, [folder] * 200, 2)
    """
)


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_workers_leave_when_their_parent_is_killed_alone(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert wait_for(lambda: len(list(tmp_path.iterdir())) >= 2, 60), "no workers started"
        workers = [int(path.name) for path in tmp_path.iterdir()]
        assert all(alive(pid) for pid in workers)
        parent.send_signal(signal.SIGKILL)  # to the parent alone, not its group
        parent.wait(timeout=10)
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 10), (
            "workers left running: " + ", ".join(str(pid) for pid in workers if alive(pid))
        )
    finally:
        parent.kill()
        for path in tmp_path.iterdir():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(path.name), signal.SIGKILL)
