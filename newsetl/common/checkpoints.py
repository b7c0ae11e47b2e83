"""Named moments of a run that a fault-injection test can stop it at, without sleeping.

With `NEWSETL_CHECKPOINTS` unset (every real run) `reach()` returns at once. Set to a folder, a
run that reaches moment NAME opens the FIFO `<folder>/NAME` for writing, if the test made one,
and writes its PID: the open blocks until the test opens the FIFO to read, so the test knows
the run is exactly there, and then kills it, or closes the FIFO to let it go on. Moments with no
FIFO are passed without waiting.

The moments: `fetching` (the first objects of the run are being fetched), `loading` (inside the
load transaction, before its commit), `committed` (after the commit, before the reports),
`reports` (the Data Docs being written, in the GX process), `enriching` (inside an enrichment's
write transaction, before its commit).
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

ENV = "NEWSETL_CHECKPOINTS"
MOMENTS = ("fetching", "loading", "committed", "reports", "enriching")
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
    # Unbuffered: a signal that arrives while the write blocks is raised from it (a buffered
    # file's close would report the BrokenPipeError of its second flush attempt instead, with
    # the signal's exception hidden in its context).
    fd = os.open(fifo, os.O_WRONLY)  # blocks until the test opens it to read
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
    except BrokenPipeError:  # the test read nothing and let the run go on
        pass
    finally:
        os.close(fd)
