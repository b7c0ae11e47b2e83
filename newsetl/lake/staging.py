"""Per-run staging: the folder a run's chunks write their Parquet into, beside the catalog, held
under the writer lock and removed afterwards; folders left by killed runs are removed first."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from newsetl.common import interrupt
from newsetl.common.localserver import alive
from newsetl.common.settings import Settings
from newsetl.lake.lock import writer_lock

STAGING_OWNER = re.compile(r"-(\d+)$")


@contextmanager
def exclusive_run(settings: Settings, run_id: str) -> Iterator[Path]:
    """The writer lock for the whole run, and a staging folder that is gone afterwards. Folders
    that runs killed before they could remove theirs are removed first."""
    stage_dir = settings.staging_dir / f"{run_id}-{os.getpid()}"

    def remove() -> None:
        shutil.rmtree(stage_dir, ignore_errors=True)
        with suppress(OSError):
            stage_dir.parent.rmdir()  # only when no other run stages there

    with writer_lock(settings.catalog, settings.lock_timeout, scope=settings.source):
        remove_stale_staging(settings.staging_dir)
        stage_dir.mkdir(parents=True, exist_ok=True)
        interrupt.on_stop(stage_dir, remove, hard_only=True)  # a stopped run's last resort
        try:
            yield stage_dir
        except BaseException as exc:
            signum = interrupt.signal_of(exc)
            if signum is not None:
                interrupt.stop(signum)  # e.g. Prefect's SIGTERM bridge
            raise
        finally:
            remove()
            interrupt.on_stop(stage_dir, None, hard_only=True)


def remove_stale_staging(staging_dir: Path) -> None:
    """A staging folder is named after its run and process; one whose process is gone (a run
    killed with SIGKILL, or a machine restart) is left over."""
    if not staging_dir.is_dir():
        return
    for folder in staging_dir.iterdir():
        owner = STAGING_OWNER.search(folder.name)
        if owner is None or not alive(int(owner.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
