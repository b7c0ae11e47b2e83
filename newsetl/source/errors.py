"""The errors a source raises, whichever it is (newsetl.source.stores, newsetl.source.s3)."""

from __future__ import annotations


class SourceError(RuntimeError):
    """A problem with the source that a user can fix: missing bucket, credentials, endpoint.
    No retry helps (`permanent`), unless it is a TransientSourceError."""

    permanent = True


class TransientSourceError(SourceError):
    """A source problem that may pass by itself: the endpoint unreachable, throttling, a server
    error, a dropped connection. Worth a retry."""

    permanent = False
