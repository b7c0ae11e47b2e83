"""The GX engine in a process of its own, for the flow.

Importing GX costs about 8 s of CPU. In a thread of the flow process it holds the interpreter lock
while Prefect starts; in a spawned process of its own it runs on the other core instead, and its
memory (GX, pandas, scipy) stays out of the flow process. Calls go over a pipe: the checks frame
out, a ValidationReport back, both small.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl

from newsetl.common import interrupt
from newsetl.common.localserver import kill_now, signals_held
from newsetl.quality.engine import shared_engine
from newsetl.quality.outcomes import ValidationReport


def _warm(suites_dir: Path, gx_root: Path) -> None:
    shared_engine(suites_dir, gx_root)


def _invoke(
    suites_dir: Path, gx_root: Path, method: str, args: tuple, kwargs: dict[str, Any]
) -> Any:
    return getattr(shared_engine(suites_dir, gx_root), method)(*args, **kwargs)


class EngineProcess:
    """The QualityEngine API for one suites folder and GX context, served by the shared worker
    process, which builds the engine as soon as this object exists."""

    def __init__(self, pool: ProcessPoolExecutor, suites_dir: Path, gx_root: Path) -> None:
        self.suites_dir = Path(suites_dir).resolve()
        self.gx_root = Path(gx_root).resolve()
        self._pool = pool
        with signals_held():  # the first submit starts the GX process
            self.warming: Future = pool.submit(_warm, self.suites_dir, self.gx_root)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            with signals_held():
                future = self._pool.submit(
                    _invoke, self.suites_dir, self.gx_root, method, args, kwargs
                )
            return future.result()
        except BrokenProcessPool:
            # The GX process died: forget it, so that a retry starts a new one.
            _pool.cache_clear()
            _engine_process.cache_clear()
            raise

    def validate_articles(
        self,
        frame: pl.DataFrame,
        *,
        run_date: date,
        run_name: str,
        lock_timeout: float | None = None,
    ) -> ValidationReport:
        return self._call(
            "validate_articles",
            frame,
            run_date=run_date,
            run_name=run_name,
            lock_timeout=lock_timeout,
        )

    def validate_batch(
        self, listing: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport:
        return self._call("validate_batch", listing, run_name=run_name, lock_timeout=lock_timeout)

    def validate_drift(
        self, frame: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport:
        return self._call("validate_drift", frame, run_name=run_name, lock_timeout=lock_timeout)

    def validate_enrichment(
        self, frame: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport:
        return self._call(
            "validate_enrichment", frame, run_name=run_name, lock_timeout=lock_timeout
        )

    def build_data_docs(self, *, lock_timeout: float | None = None) -> Path:
        return self._call("build_data_docs", lock_timeout=lock_timeout)


@lru_cache(maxsize=1)
def _pool() -> ProcessPoolExecutor:
    """One GX process for the life of this process: it imports GX once and keeps one engine
    per context."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    # A stopped command does not wait for a validation (seconds) to end: the GX process goes.
    interrupt.on_stop(pool, lambda: kill_now(list(getattr(pool, "_processes", None) or {})))
    return pool


def _start_worker(caller: int) -> None:
    from newsetl.common.localserver import exit_with, leave_group
    from newsetl.quality.gx_import import hide_unused

    hide_unused()  # this process serves GX alone
    leave_group()  # a Ctrl-C to the command's group is the command's to handle
    exit_with(caller)  # a run killed with SIGKILL leaves no GX process behind
    _exit_without_teardown()


def _exit_without_teardown() -> None:
    """In the GX process: once its atexit handlers have run, leave at once rather than tear GX,
    pandas and scipy down module by module (about 1 s of CPU that every run waited for at its
    exit, measured with `make profile`). Registered before GX is imported, so GX's own atexit
    handlers still run first; by then every request has been answered."""
    atexit.register(os._exit, 0)


def discard() -> None:
    """Stop the GX process at once if one was started, without waiting for its import or a
    request to end: for a command that turned out to need no validation."""
    if not _pool.cache_info().currsize:
        return
    pool = _pool()
    kill_now(list(getattr(pool, "_processes", None) or {}))
    pool.shutdown(wait=False, cancel_futures=True)
    interrupt.on_stop(pool, None)
    _engine_process.cache_clear()
    _pool.cache_clear()


@lru_cache(maxsize=8)
def _engine_process(suites_dir: Path, gx_root: Path) -> EngineProcess:
    return EngineProcess(_pool(), suites_dir, gx_root)


def engine_process(suites_dir: Path, gx_root: Path) -> EngineProcess:
    """The engine for this suites folder and GX context, in the shared GX process."""
    return _engine_process(Path(suites_dir).resolve(), Path(gx_root).resolve())
