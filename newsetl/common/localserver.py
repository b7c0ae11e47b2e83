"""Small pieces for the local processes newsetl starts (moto's S3, Prefect's API, worker pools): a
free port on 127.0.0.1, a health probe, stopping a child politely, then firmly, and making sure
a child does not outlive the process that started it."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str, timeout: float = 2.0) -> bool:
    """Whether `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


# The signals a terminal, `timeout`, systemd or a container runtime sends to a whole process group.
GROUP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def signals_held() -> Iterator[None]:
    """Around starting a worker process (a pool's submit, which may start one): the group's
    signals are blocked in this thread, so the process starts with them blocked (the mask is
    inherited through fork and exec) and no Ctrl-C reaches it before it has left the group
    (`leave_group`). Signals meanwhile sent to this process go to its other threads, or wait
    until the block ends: none is lost. The standard library starts its resource tracker the
    same way."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def leave_group() -> None:
    """In a worker process started under `signals_held`: move to a process group of its own, so
    that a signal to the command's group (Ctrl-C, `timeout`, systemd) reaches the command alone,
    which then stops its workers itself; drop what was sent to the old group meanwhile; SIGINT
    and SIGHUP stay ignored, SIGTERM (what a pool or the command sends it directly) stops it."""
    if not hasattr(signal, "pthread_sigmask"):
        return
    with suppress(OSError):  # already a group leader (a session leader cannot move)
        os.setpgid(0, 0)
    for signum in GROUP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # discards a pending one
    signal.pthread_sigmask(signal.SIG_UNBLOCK, GROUP_SIGNALS)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def kill_now(pids: list[int]) -> None:
    """SIGKILL these processes (ours, by PID); a gone one is skipped."""
    for pid in pids:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def terminate(process: subprocess.Popen | None, timeout: float) -> None:
    """SIGTERM, then SIGKILL after `timeout` seconds; reaps the child either way."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """For `Popen(preexec_fn=...)`, in the child: the kernel sends it SIGTERM when the process
    that started it dies, even by SIGKILL, so a killed run leaves no server behind (Linux; a
    no-op elsewhere). Only for children started from a thread that lives as long as the
    process: the signal follows the starting thread."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def exit_with(pid: int, every: float = 0.5) -> None:
    """In a worker process: leave as soon as process `pid` (the one that uses this worker) is
    gone. A pool's workers can be started from any thread, so the kernel's parent-death signal
    does not fit them; a daemon thread that looks every `every` seconds does."""

    def watch() -> None:
        while True:
            time.sleep(every)
            if not alive(pid):
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-caller", daemon=True).start()


def alive(pid: int) -> bool:
    """Whether process `pid` still runs. A killed process stays a zombie until its parent reaps
    it, and a reader that reaps only after EOF on the run's output (`communicate()`) would wait
    for ever on workers that wait for the reaping: where /proc exists, a zombie counts as gone."""
    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/stat", "rb") as file:
                stat = file.read()
        except FileNotFoundError:
            return False
        return stat[stat.rindex(b")") + 2 :][:1] not in (b"Z", b"X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
