"""What the writing commands (run, quarantine retry, maintain) share: the checks before any work
starts, the writer lock, Prefect's temporary server and the GX process started early, and a
failure said in one line."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from newsetl.cli.terminal import (
    Feedback,
    fail,
)
from newsetl.common.settings import Settings


def quiet_prefect(verbose: bool) -> None:
    """Prefect's console logs are for operators; a terminal user gets our progress and summary.
    Set before Prefect is imported; an explicit environment setting still wins."""
    os.environ.setdefault(
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "INFO" if verbose else "CRITICAL"
    )
    # Ephemeral mode starts a local server; on a busy 2-core machine its first start (database
    # migrations) can take longer than Prefect's 20 s default. It never needs the internet.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def start_prefect(verbose: bool) -> Callable[[], AbstractContextManager[None]]:
    """Prefect's settings for the CLI, and its temporary API server started now, before Prefect
    is imported, so that its boot overlaps the imports (see newsetl.runtime.prefect_api). Returns
    `ready()`, a context to call the flows in. The server stops at exit, after Prefect's own exit
    handlers have sent their last logs."""
    from newsetl.runtime.prefect_api import PrefectApiError, start_early

    quiet_prefect(verbose)
    server = start_early()

    @contextmanager
    def ready() -> Iterator[None]:
        if server is None:
            yield
            return
        try:
            server.wait(timeout=120.0)
        except PrefectApiError as exc:
            raise fail(str(exc)) from None
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

        # A flow run's heartbeats let a server that outlives the run tell a crashed run from a
        # running one; the temporary server stops with this command, so nothing reads them. Off,
        # they also spare the end of each flow run Prefect's join of the heartbeat thread, which
        # sleeps in steps of a second (0.5 s on average).
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield

    return ready


def warm_quality(settings: Settings) -> None:
    """Start the GX engine's process now: importing GX takes seconds of CPU, which then run on
    the other core while Prefect starts."""
    from newsetl.quality.process import engine_process

    engine_process(settings.expectations_dir, settings.reports_dir / "gx")


def drop_quality() -> None:
    """Stop the GX process `warm_quality` started, for a command that needs no validation."""
    from newsetl.quality.process import discard

    discard()


@contextmanager
def writing(
    settings: Settings,
    scope: str,
    feedback: Feedback | None = None,
    *,
    check_source: bool = False,
    lock: bool = True,
) -> Iterator[None]:
    """What a writing command checks before any work starts (the warehouse path, the source
    with one request, the lock file), then the writer lock for the whole command: a lock another
    process holds is waited for (up to --lock-timeout), naming that process. The flow takes the
    same lock again (it is re-entrant within a process)."""
    from newsetl.common.catalog import WarehouseError
    from newsetl.lake.lock import check_lock_file, writer_lock

    catalog = settings.catalog
    try:
        catalog.check_writable()
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    if check_source:
        from newsetl.source.stores import SourceError, open_source

        try:
            open_source(settings.source, settings.endpoint_url).check()
        except SourceError as exc:
            raise fail(str(exc)) from None
    if not lock:  # a dry run writes nothing and waits for nobody
        yield
        return
    try:
        check_lock_file(catalog.lock_path(scope))
    except WarehouseError as exc:
        raise fail(str(exc)) from None
    on_wait = feedback.waiting if feedback is not None else None
    try:
        with writer_lock(catalog, settings.lock_timeout, scope, on_wait=on_wait):
            yield
    except WarehouseError as exc:
        raise fail(str(exc)) from None


# Causes worth naming when a database error buries them below its first line.
OS_CAUSES = {
    **{os.strerror(code): os.strerror(code) for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)},
    os.strerror(errno.EACCES): os.strerror(errno.EACCES),
    "disk is full": os.strerror(errno.ENOSPC),  # SQLite's words for it
}


def one_line(exc: BaseException) -> str:
    """An error as one line: its first line, and a full disk or a permission problem said
    below it or in its cause."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = f"{type(exc).__name__}: {lines[0] if lines else ''}"
    everything = f"{exc}\n{exc.__cause__ or ''}\n{exc.__context__ or ''}"
    causes = [said.lower() for found, said in OS_CAUSES.items() if found in everything]
    if causes and causes[0] not in text.lower():
        text += f" ({causes[0]})"
    return text[:500]
