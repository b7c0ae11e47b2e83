"""Named moments of a run that a fault-injection test can stop it at, without sleeping.

With `NEWSETL_CHECKPOINTS` unset (every real run) `reach()` returns at once. Set to a folder, a
run that reaches moment NAME opens the FIFO `<folder>/NAME` for writing, if the test made one,
and writes its PID: the open blocks until the test opens the FIFO to read, so the test knows
the run is exactly there, and then kills it, or closes the FIFO to let it go on. Moments with no
FIFO are passed without waiting.

The moments: `fetching` (the first objects of the run are being fetched), `loading` (inside the
load transaction, before its commit), `committed` (after the commit, before the reports),
`enriching` (inside an enrichment's write transaction, before its commit).
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

ENV = "NEWSETL_CHECKPOINTS"
MOMENTS = ("fetching", "loading", "committed", "enriching")
_reached: set[str] = set()
_lock = threading.Lock()


def reach(name: str) -> None:
    folder = os.environ.get(ENV)
    if not folder:
        return
    if name not in MOMENTS:
        raise ValueError(f"unknown checkpoint {name!r}")
    with _lock:  # once per process: the first thread to get there stops, the others go on
        if name in _reached:
            return
        _reached.add(name)
    fifo = Path(folder) / name
    try:
        if not stat.S_ISFIFO(fifo.stat().st_mode):
            return
    except FileNotFoundError:
        return
    try:
        with open(fifo, "w") as pipe:  # blocks until the test opens it to read
            pipe.write(f"{os.getpid()}\n")
    except BrokenPipeError:  # the test read nothing and let the run go on
        pass
