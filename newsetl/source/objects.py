"""What a source hands out, without the S3 client: plain data that parse workers import too."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath


@dataclass(frozen=True, slots=True)
class ObjectRef:
    key: str
    etag: str
    size: int
    last_modified: datetime


def matches(key: str, pattern: str) -> bool:
    """The pattern is matched against the key's file name only, so prefixes never get in the way."""
    name = key.rpartition("/")[2]
    if name in ("", ".", ".."):  # a key ending in a folder: pathlib's reading of its name
        name = PurePosixPath(key).name
    return fnmatch.fnmatchcase(name, pattern)


def doc_id(key: str) -> str:
    return PurePosixPath(key).stem


class ObjectUnreadable(RuntimeError):
    """One object could not be read. The run goes on without it: the object is not loaded and
    not marked deleted, the summary names it with `reason`, and the next run reads it again.
    `transient` errors (a dropped connection, a truncated body) are worth another try now."""

    def __init__(self, key: str, reason: str, transient: bool = False):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason
        self.transient = transient


@dataclass(frozen=True, slots=True)
class Wanted:
    """An object a chunk is to read, as the listing saw it."""

    key: str
    etag: str
    size: int
