"""Progress reporting without coupling the flow to a terminal: the CLI installs a callback in a
context variable, the flow calls `advance` as chunks finish, and deployments simply have none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Callback = Callable[[str, int, int], None]  # (phase, done, total)

_callback: ContextVar[Callback | None] = ContextVar("newsetl_progress", default=None)


@contextmanager
def reporting(callback: Callback) -> Iterator[None]:
    token = _callback.set(callback)
    try:
        yield
    finally:
        _callback.reset(token)


def advance(phase: str, done: int, total: int) -> None:
    callback = _callback.get()
    if callback is not None:
        callback(phase, done, total)


def phase(name: str, total: int = 0) -> None:
    """A new phase of the run begins (listing, validating, loading, …)."""
    advance(name, 0, total)
