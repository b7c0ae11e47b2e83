"""A flow's parameters as Settings. pydantic reports a bad value over several lines; a flow run
reports it as one, and, like any bad argument, it is not retried (tasks.retry). And an error as
the one line a run's summary keeps of it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from newsetl.common.settings import Settings


class BadParameters(ValueError):
    """A parameter out of range or of the wrong kind: no retry can fix it."""

    permanent = True


def run_settings(**parameters: Any) -> Settings:
    try:
        return Settings(**parameters)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadParameters(f"bad parameters: {problems}") from None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
