"""Stopping a command with a signal (issue 23).

Ctrl-C sends SIGINT to the whole foreground process group; `timeout`, systemd and container
runtimes send SIGTERM (a closed terminal SIGHUP), often to the group too. Every command of the CLI
ends within a few seconds of any of them, at any moment, with one line that says what was
committed, and exit 128 + the signal (130, 143, 129). A second SIGINT exits at once.

The processes a command starts (Prefect's temporary server, the GX process, the fork server and
the parse workers) leave the command's process group as they start (newsetl.common.localserver),
so a signal to the group reaches the command alone: the server outlives the flow's last state
change, and no worker dies with a traceback. The command stops them itself on its way out
(`leave`), and leaves without waiting for the interpreter's teardown. A thread watching the
signals' wakeup fd starts a watchdog that ends the command DEADLINE_SECONDS after the first
signal, whatever its main thread is doing.

Nothing here imports Prefect.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# From the first signal to the exit, whatever the run was doing: past this, the watchdog prints
# the line, kills what the command started and exits without waiting for anything more.
DEADLINE_SECONDS = 4.0


class Interrupted(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread like KeyboardInterrupt for SIGINT."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


class Stopped(Exception):
    """Raised in the run's worker threads once the command is stopping: their work is given up.
    Permanent: a Prefect task does not retry it (tasks.retry)."""

    permanent = True

    def __init__(self) -> None:
        super().__init__("the command is stopping")


_lock = threading.RLock()
_stopping = threading.Event()
_state: dict = {
    "signum": None,  # the first signal
    "raised": False,  # turned into an exception in the main thread already
    "said": False,  # the one line printed
    "run_id": None,  # the run under way
    "committed": None,  # (run_id, snapshot_id) once its transaction committed
    "since": 0.0,  # when the command began to stop (time.monotonic)
    "installed": False,  # this process is a command of the CLI (install)
    "done": False,  # the command has returned: the process is on its way out
    "committing": None,  # the run whose COMMIT is under way
    "work": "nothing was committed",  # the line of a command with no run (see note_work)
}
_on_stop: dict[int, Callable[[], None]] = {}
_on_hard_exit: dict[int, Callable[[], None]] = {}
_watchdog: threading.Thread | None = None
_watcher: threading.Thread | None = None
_passed_on: set[int] = set()  # signals a child process handles itself for now


def stopping() -> bool:
    return _stopping.is_set()


def check() -> None:
    """In worker threads: give up as soon as the command is stopping."""
    if _stopping.is_set():
        raise Stopped()


def stop(signum: int | None = None) -> None:
    """The command is stopping (a signal, or an interrupt seen on its way up): worker threads
    give up, and the watchdog bounds what is left."""
    with _lock:
        if signum is not None and _state["signum"] is None:
            _state["signum"] = signum
        if not _stopping.is_set():
            _state["since"] = time.monotonic()
        _stopping.set()
    _start_watchdog()


def note_run(run_id: str) -> None:
    _state["run_id"] = run_id


def note_committed(run_id: str, snapshot_id: int | None = None) -> None:
    _state["committed"] = (run_id, snapshot_id)


def note_work(text: str) -> None:
    """What the one line says of a command with no run (`maintain`): what a stop leaves."""
    _state["work"] = text


def on_stop(key: object, callback: Callable[[], None] | None, *, hard_only: bool = False) -> None:
    """What to stop at once when the command stops (a pool's workers); None forgets it. Called
    from the command's exit path, or from the watchdog. `hard_only`: only on a hard exit (the
    temporary server, which Prefect's exit handlers still talk to, and a staging folder)."""
    table = _on_hard_exit if hard_only else _on_stop
    with _lock:
        if callback is None:
            table.pop(id(key), None)
        else:
            table[id(key)] = callback


def exit_code(signum: int) -> int:
    return 128 + signum


def signal_of(exc: BaseException) -> int | None:
    """The signal an exception stands for: KeyboardInterrupt, Interrupted, Prefect's
    TerminationSignal, or an exception raised while one of those was being handled."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            return signal.SIGINT
        if isinstance(exc, Interrupted):
            return exc.signum
        signum = getattr(exc, "signal", None)  # prefect.exceptions.TerminationSignal
        if type(exc).__name__ == "TerminationSignal" and isinstance(signum, int):
            return signum
        exc = exc.__cause__ or exc.__context__
    return _state["signum"] if _stopping.is_set() else None


def outcome() -> str:
    """The one line: which signal, and what was committed."""
    signum = _state["signum"] or signal.SIGINT
    name = signal.Signals(signum).name
    committed, run_id = _state["committed"], _state["run_id"]
    if committed is not None:
        run, snapshot = committed
        at = f" as snapshot {snapshot}" if snapshot is not None else ""
        return (
            f"stopped by {name}: run {run} was committed{at}; what follows a commit (the Data "
            "Docs, the run artifact) is redone by the next run"
        )
    if _state["committing"] is not None:  # the watchdog's exit, during a COMMIT that hangs
        return (
            f"stopped by {name} during the commit of run {_state['committing']}: "
            "`newsetl report` says whether it went through"
        )
    if run_id is not None:
        return f"stopped by {name}: run {run_id} committed nothing; the lake is as it was"
    return f"stopped by {name}: {_state['work']}"


def say() -> None:
    """Print the one line on stderr, once."""
    with _lock:
        if _state["said"]:
            return
        _state["said"] = True
    text = f"newsetl: {outcome()}\n"
    with suppress(OSError, ValueError):
        if sys.stderr.isatty():
            text = f"\r\x1b[2K\x1b[1;31mnewsetl:\x1b[0m {outcome()}\n"
        os.write(2, text.encode())


def done() -> None:
    """The command has returned: a signal from now on ends the exit (its handlers: stopping
    Prefect's temporary server, the pools) within the deadline, without an exception inside
    them."""
    _state["done"] = True


def stop_helpers(hard: bool = False) -> None:
    """Run every on_stop callback (each once); on a hard exit the hard-only ones too."""
    with _lock:
        callbacks = list(_on_stop.values())
        _on_stop.clear()
        if hard:
            callbacks += list(_on_hard_exit.values())
            _on_hard_exit.clear()
    for callback in reversed(callbacks):
        with suppress(Exception):
            callback()


def finish(signum: int | None = None) -> int:
    """The command's way out after a signal: the line, its helpers stopped; returns the exit
    code."""
    stop(signum)
    say()
    stop_helpers()
    return exit_code(_state["signum"] or signum or signal.SIGINT)


def hard_exit() -> None:
    """Out now: the line, the helpers killed, no exit handlers waited for."""
    say()
    stop_helpers(hard=True)
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):
            stream.flush()
    os._exit(exit_code(_state["signum"] or signal.SIGINT))


LOG_FLUSH_SECONDS = 1.0


def leave() -> None:
    """A stopped command's exit, once its work has unwound: the line, its helpers stopped, the
    log records still queued sent on (Prefect's go to its API) for at most LOG_FLUSH_SECONDS,
    then out, without the interpreter's teardown or exit handlers (seconds of them: Prefect's
    services, the pools, the modules), which have nothing left to do that matters."""
    finish()
    left = DEADLINE_SECONDS - (time.monotonic() - _state["since"]) - 1.0
    flushing = threading.Thread(target=_flush_logs, name="newsetl-log-flush", daemon=True)
    flushing.start()
    flushing.join(timeout=max(0.0, min(LOG_FLUSH_SECONDS, left)))
    hard_exit()


def _flush_logs() -> None:
    import logging

    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            with suppress(Exception):
                handler.flush()


def _start_watchdog() -> None:
    """Only in a command of the CLI: elsewhere (a flow run a Prefect worker started, a test
    calling a flow) the process is not ours to end."""
    global _watchdog
    with _lock:
        if _watchdog is not None or not _state["installed"]:
            return

        def watch() -> None:
            time.sleep(DEADLINE_SECONDS)
            hard_exit()

        _watchdog = threading.Thread(target=watch, name="newsetl-stop-watchdog", daemon=True)
        _watchdog.start()


def _handler(signum: int, frame: object) -> None:
    if _state["done"]:  # on the way out already (exit handlers): bounded, not interrupted
        stop(signum)
        return
    with _lock:
        first = _state["signum"] is None
        if first:
            _state["signum"] = signum
        again = not first and signum == signal.SIGINT and _state["raised"]
        if _state["raised"] and not again:
            return  # a repeat (Prefect sends its SIGTERM again once it has handled it)
        _state["raised"] = True
    if again:
        hard_exit()  # a second Ctrl-C: at once
    stop(signum)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Interrupted(signum)


def install() -> None:
    """The command's handlers for SIGINT, SIGTERM and SIGHUP (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return
    _state["installed"] = True
    # The pools of a stopped command are killed, not shut down: multiprocessing's resource
    # tracker (started later, with this environment) then removes their semaphores itself, and
    # would say so in a warning of its own after the command's one line.
    quiet = "ignore:resource_tracker:UserWarning"
    warnings_env = os.environ.get("PYTHONWARNINGS", "")
    if quiet not in warnings_env:
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (warnings_env, quiet)))
    handled = []
    for signum in SIGNALS:
        if signal.getsignal(signum) is signal.SIG_IGN and signum != signal.SIGTERM:
            continue  # nohup, or a shell that runs us in the background: left as it is
        signal.signal(signum, _handler)
        handled.append(signum)
    # A blocked signal is inherited through fork and exec (a parent that started us from a
    # thread holding its signals): blocked in this thread, and so in every thread it starts,
    # the signal would wait unseen until the command had finished its work.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, handled)
    _watch_signals()


def _watch_signals() -> None:
    """Python runs a signal's handler in the main thread between two bytecodes: while that
    thread is inside one long call of a library that does not check for signals, the handler
    waits. The signal's number is also written to a pipe the moment it arrives (Python's wakeup
    fd), where a thread of this module reads it and starts the watchdog, so the deadline holds
    whatever the main thread is doing, as long as it does it without the interpreter lock (as
    DuckDB, Polars, Arrow and I/O do)."""
    global _watcher
    with _lock:
        if _watcher is not None:
            return
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        try:
            signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        except ValueError:  # not the main thread after all
            os.close(read_end)
            os.close(write_end)
            return

        def watch() -> None:
            while True:
                try:
                    received = os.read(read_end, 64)
                except OSError:
                    return
                for signum in received:
                    if signum in SIGNALS and signum not in _passed_on:
                        stop(signum)

        _watcher = threading.Thread(target=watch, name="newsetl-signal-watcher", daemon=True)
        _watcher.start()


@contextmanager
def passed_on(signum: int) -> Iterator[None]:
    """While a child process of ours in the foreground handles `signum` itself (the DuckDB
    shell's Ctrl-C stops its query): caught here and not acted on. Caught, not ignored: an
    exec'd child starts with a caught signal back at its default."""
    previous = signal.signal(signum, lambda signum, frame: None)
    _passed_on.add(signum)
    try:
        yield
    finally:
        _passed_on.discard(signum)
        signal.signal(signum, previous)


@contextmanager
def deferred() -> Iterator[None]:
    """A step that must either happen or not (a load's COMMIT): a signal that arrives during it
    is acted on right after it, so that the line can say whether it happened. In the main thread
    only (elsewhere signals are not delivered anyway)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: object) -> None:
        if pending and signum == signal.SIGINT:
            hard_exit()
        pending.append(signum)
        stop(signum)

    saved = {signum: signal.signal(signum, hold) for signum in SIGNALS}
    committing = _state["run_id"]
    _state["committing"] = committing
    try:
        yield
    finally:
        _state["committing"] = None
        for signum, handler in saved.items():
            signal.signal(signum, handler)
        if pending:
            signum = pending[0]
            with _lock:
                _state["raised"] = False  # the restored handler raises it now
            signal.raise_signal(signum)
