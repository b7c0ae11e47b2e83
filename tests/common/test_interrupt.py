"""How a command stops on a signal (newsetl.common.interrupt), in a small Python process of its
own: the one line and exit code, a signal during a COMMIT acted on after it, the deadline kept
while the main thread is inside one long call, a signal a child process handles itself. The
whole CLI is stopped at every moment of a run in tests/e2e/faults/test_signals.py."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from newsetl.common.interrupt import DEADLINE_SECONDS
from tests.conftest import as_from_a_terminal

NOTHING = "run run-Ж1 committed nothing; the lake is as it was"
PRELUDE = """
import sys, time
from newsetl.common import interrupt

interrupt.install()
interrupt.note_run("run-Ж1")


def say(text):
    print(text, flush=True)


try:
    body()
except BaseException as exc:
    signum = interrupt.signal_of(exc)
    if signum is None:
        raise
    raise SystemExit(interrupt.finish(signum))
"""


def start(body: str, blocked: tuple[int, ...] = ()) -> subprocess.Popen:
    """A process running `body` (a function's statements) under the command's handlers;
    `blocked`: signals it inherits blocked, as from a parent thread that held them."""

    def prepare() -> None:
        as_from_a_terminal()
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)

    source = "def body():\n" + textwrap.indent(textwrap.dedent(body), "    ") + PRELUDE
    return subprocess.Popen(
        [sys.executable, "-c", source],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=prepare,
    )


def wait_for_line(process: subprocess.Popen, expected: str, timeout: float = 60) -> None:
    """Read stdout until `expected` comes (a bounded wait, not a sleep)."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            assert line, f"exited with {process.wait()} before {expected!r}"
            if line.strip() == expected:
                return
    raise AssertionError(f"no {expected!r} within {timeout:g} s")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_cpu(pid: int, seconds: float, timeout: float = 60) -> None:
    """Until process `pid` has used `seconds` more of CPU time (a bounded poll)."""
    start = cpu_seconds(pid)
    deadline = time.monotonic() + timeout
    while cpu_seconds(pid) - start < seconds:
        assert time.monotonic() < deadline, f"{pid} used no CPU for {timeout:g} s"
        time.sleep(0.05)


def finished(
    process: subprocess.Popen, timeout: float = 60, text: str | None = None
) -> tuple[int, str, str]:
    """Its exit code, stdout and stderr, after `text` on its stdin; killed after `timeout`."""
    try:
        out, err = process.communicate(text, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"still running {timeout:g} s later") from None
    return process.returncode, out, err


def test_sigterm_ends_it_with_one_line_and_exit_143() -> None:
    process = start("""
        say("ready")
        time.sleep(60)
        say("slept")
    """)
    wait_for_line(process, "ready")
    process.send_signal(signal.SIGTERM)
    code, out, err = finished(process)
    assert code == 128 + signal.SIGTERM
    assert "slept" not in out
    assert err == f"newsetl: stopped by SIGTERM: {NOTHING}\n"


def test_a_group_signal_inherited_blocked_still_stops_the_command() -> None:
    """Started with SIGINT blocked (a parent thread held it across the fork), the command still
    takes a Ctrl-C, from its main thread and from the threads it starts."""
    process = start(
        """
        import threading
        threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        say("ready")
        time.sleep(60)
        say("slept")
        """,
        blocked=(signal.SIGINT, signal.SIGHUP),
    )
    wait_for_line(process, "ready")
    process.send_signal(signal.SIGINT)
    code, out, err = finished(process, timeout=30)
    assert code == 128 + signal.SIGINT
    assert "slept" not in out
    assert err == f"newsetl: stopped by SIGINT: {NOTHING}\n"


def test_a_signal_during_a_commit_is_acted_on_after_it() -> None:
    """The COMMIT goes through; the line says the run was committed, and nothing after the
    commit runs."""
    process = start("""
        with interrupt.deferred():
            say("committing")
            sys.stdin.readline()  # the commit, held until the test lets it end
            interrupt.note_committed("run-Ж1", 7)
        say("after the commit")
    """)
    wait_for_line(process, "committing")
    process.send_signal(signal.SIGHUP)
    assert process.poll() is None
    code, out, err = finished(process, text="done\n")
    assert code == 128 + signal.SIGHUP
    assert "after the commit" not in out
    assert err.startswith("newsetl: stopped by SIGHUP: run run-Ж1 was committed as snapshot 7; ")
    assert err.count("\n") == 1


def test_the_deadline_holds_while_the_main_thread_is_inside_one_long_call() -> None:
    """Python runs a handler between bytecodes; PBKDF2 with two billion rounds is one C call
    that takes many minutes, without the interpreter lock and without a look at signals (as
    DuckDB, Polars or Arrow do). The signal must still end the process after the deadline."""
    process = start("""
        import hashlib
        say("ready")
        hashlib.pbkdf2_hmac("sha256", b"key", b"salt", 2_000_000_000)
        say("summed")
    """)
    wait_for_line(process, "ready")
    wait_for_cpu(process.pid, 0.5)  # inside the call by then
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    code, out, err = finished(process, timeout=60)
    seconds = time.monotonic() - sent
    assert code == 128 + signal.SIGINT
    assert "summed" not in out
    assert err == f"newsetl: stopped by SIGINT: {NOTHING}\n"
    assert seconds < DEADLINE_SECONDS + 30  # minutes without the watcher; loose for a busy CI


def test_a_signal_a_child_handles_is_not_acted_on() -> None:
    """`newsetl sql` without -c: Ctrl-C belongs to the DuckDB shell in the foreground."""
    process = start("""
        import signal
        with interrupt.passed_on(signal.SIGINT):
            say("passed on")
            sys.stdin.readline()
        say("still here")
    """)
    wait_for_line(process, "passed on")
    os.kill(process.pid, signal.SIGINT)
    code, out, err = finished(process, text="go on\n")
    assert (code, err) == (0, "")
    assert "still here" in out
