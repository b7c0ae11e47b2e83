"""The enrichment's per-article work on every core: chunks of articles go to worker processes
(loky's reusable executor: started once per process, kept between batches, restarted if a
worker dies), each of which loads the models once. A batch below `min_items` stays in this
process: starting workers and loading their models (about 3 s of CPU each) would cost more than
it saves on an hourly enrichment of a few hundred articles."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from newsetl.common import interrupt
from newsetl.common.localserver import exit_with, kill_now

T = TypeVar("T")
R = TypeVar("R")

# Idle workers leave after this many seconds; the batches of one run come sooner than that.
IDLE_SECONDS = 120
# Chunks per worker: enough for the workers to even out (a Russian chunk runs the model, a
# Kazakh one does not), few enough that each chunk batches its model calls well.
CHUNKS_PER_WORKER = 4
MIN_CHUNK = 50
# One BLAS thread per worker: the workers already fill the cores, and OpenBLAS's own threads
# spin on the model's small matrices.
WORKER_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _worker_start(caller: int, warm: Callable[[], object] | None) -> None:
    """Each worker's first step: leave as soon as the process that uses it is gone, then load
    the models. A caller killed alone (SIGKILL, the kernel's OOM killer, a signal to its PID
    rather than its group) cannot stop its workers, and loky's would work through the queued
    chunks and then wait, idle, for good."""
    exit_with(caller)
    if warm is not None:
        warm()


def processes_for(processes: int, items: int, min_items: int) -> int:
    """Worker processes for a batch of `items`: none (this process) below `min_items`."""
    if processes <= 1 or items < max(min_items, 1):
        return 0
    return processes


def default_processes() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_chunks(
    work: Callable[[list[T]], list[R]],
    items: Sequence[T],
    processes: int,
    warm: Callable[[], object] | None = None,
) -> list[R]:
    """work(chunk) over contiguous chunks of `items`, results in the items' order: in
    `processes` worker processes, or here when processes is 0."""
    return submit_chunks(work, items, processes, warm)()


def submit_chunks(
    work: Callable[[list[T]], list[R]],
    items: Sequence[T],
    processes: int,
    warm: Callable[[], object] | None = None,
) -> Callable[[], list[R]]:
    """As map_chunks, but the chunks start now in the workers and the returned function waits
    for their results: the caller does other work meanwhile (the previous batch's linking).
    Without workers the work is done when the function is called."""
    if processes <= 0:
        return lambda: work(list(items))
    from loky import get_reusable_executor

    size = max(MIN_CHUNK, -(-len(items) // (processes * CHUNKS_PER_WORKER)))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    executor = get_reusable_executor(
        max_workers=processes,
        timeout=IDLE_SECONDS,
        initializer=_worker_start,
        initargs=(os.getpid(), warm),
        env=WORKER_ENV,
    )
    # A stopped command does not wait for the chunks being enriched: the workers go at once.
    interrupt.on_stop(executor, lambda: kill_now(list(getattr(executor, "_processes", None) or {})))
    interrupt.check()
    futures = [executor.submit(work, chunk) for chunk in chunks]
    return lambda: [result for future in futures for result in future.result()]
