"""Which failures a retry can fix. The tasks that retry take
`retry_condition_fn=retry_unless_permanent`: a missing bucket, refused or absent credentials,
a bad parameter or a misconfigured warehouse fail the task at its first attempt, with the error's
one line; an unreachable endpoint, throttling or a locked warehouse are retried as before."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from newsetl.common import interrupt


def is_permanent(exc: BaseException) -> bool:
    """Bad arguments, and the errors that say so of themselves (newsetl.source.stores.SourceError
    but TransientSourceError, newsetl.common.catalog.WarehouseConfigError,
    flows.params.BadParameters), and whatever fails once the command is stopping on a signal (a
    query DuckDB cut short, newsetl.common.interrupt.Stopped)."""
    if interrupt.stopping():
        return True
    return isinstance(exc, ValidationError) or bool(getattr(exc, "permanent", False))


def retry_unless_permanent(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's `retry_condition_fn` (called with the task, its run and the Failed state, only
    while retries are left): whether this failure is worth another attempt."""
    try:
        state.result()
    except Exception as exc:
        return not is_permanent(exc)
    return True
