"""The lake's own quarantine as a source: held objects are re-read from their stored bytes, so a
retry after a parser or suite change needs no bucket. `open_source` opens it for a
`quarantine://` URL and a bucket or folder otherwise."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from newsetl.common.catalog import Catalog
from newsetl.lake.connection import connect
from newsetl.source import stores
from newsetl.source.objects import ObjectRef
from newsetl.source.stores import SourceError


class QuarantineSource:
    """The warehouse's own quarantine as a source: held objects are re-read from their stored
    bytes, so a retry after a parser or suite change needs no bucket."""

    SCHEME = "quarantine://"
    reads_in_parallel = False  # one connection, taken in turn

    def __init__(self, url: str):
        self.catalog = Catalog.parse(url.removeprefix(self.SCHEME))
        self._lock = threading.Lock()
        self._con = None

    def describe(self) -> str:
        return f"quarantine of {self.catalog.describe()}"

    def _query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self._lock:  # one read-only connection, shared by the fetching threads
            if self._con is None:
                self._con = connect(self.catalog, read_only=True)
            return self._con.execute(sql, params or []).fetchall()

    def list(self) -> Iterator[ObjectRef]:
        rows = self._query(
            "SELECT q.key, q.etag, q.size, coalesce(s.last_modified, q.quarantined_at) "
            "FROM quarantine q LEFT JOIN source_objects s USING (key) "
            "WHERE q.deleted_at IS NULL ORDER BY q.key"
        )
        for key, etag, size, last_modified in rows:
            yield ObjectRef(key=key, etag=etag, size=size, last_modified=last_modified)

    def fetch(self, key: str, etag: str | None = None) -> bytes:
        rows = self._query("SELECT raw FROM quarantine WHERE key = ?", [key])
        if not rows:
            raise SourceError(f"{key} is no longer in the quarantine")
        return bytes(rows[0][0])

    def check(self) -> None:
        if not self.catalog.exists():
            raise SourceError(f"warehouse not found: {self.catalog.describe()}")


def open_source(url: str, endpoint_url: str | None = None, max_connections: int = 32):
    """The source a run reads: the lake's quarantine for a `quarantine://` URL, else a bucket or a
    folder (newsetl.source.stores)."""
    if url.startswith(QuarantineSource.SCHEME):
        return QuarantineSource(url)
    return stores.open_source(url, endpoint_url, max_connections)
