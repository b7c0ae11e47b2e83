"""An S3 bucket prefix as a source (newsetl.source.stores has the directory and the common
errors): listing in parallel by folders, GETs with boto3's adaptive retries, and boto3's
exceptions turned into one line a user can act on."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlparse

import boto3
import botocore.exceptions
from botocore.config import Config

from newsetl.source.errors import SourceError, TransientSourceError
from newsetl.source.objects import ObjectRef, ObjectUnreadable

# Client errors a retry may fix besides 5xx, 408 and 429; any other 4xx (no bucket, access
# denied, unknown key) is permanent. Of boto3's own errors, these are the configuration's.
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "OperationAborted"}
)


CONFIGURATION_ERRORS = (
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.ProfileNotFound,
    botocore.exceptions.ParamValidationError,
    botocore.exceptions.NoRegionError,
)


# Errors while reading a response body that boto3 does not retry itself.
_BODY_ERRORS = (
    botocore.exceptions.ResponseStreamingError,
    botocore.exceptions.IncompleteReadError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.EndpointConnectionError,
    ConnectionError,
    TimeoutError,
)


# Listing: folders this many levels below the prefix are listed in parallel, by this many threads.
LIST_SPLIT_DEPTH = 2


LIST_THREADS = 8


@lru_cache(maxsize=8)
def _s3_client(endpoint_url: str | None, max_connections: int, identity: tuple) -> Any:
    """One client per endpoint and identity for the life of the process, shared by every chunk:
    building one costs tens of milliseconds of CPU, and its open connections and the adaptive
    retry mode's rate estimate are worth keeping. `identity` (profile and key id from the
    environment) only keys the cache, so a changed environment gets a new client."""
    config = Config(
        retries={"mode": "adaptive", "max_attempts": 8},
        max_pool_connections=max_connections,
        connect_timeout=5,
        read_timeout=30,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)


def _refs(page: dict) -> list[ObjectRef]:
    return [
        ObjectRef(
            key=item["Key"],
            etag=item["ETag"].strip('"'),
            size=int(item["Size"]),
            last_modified=item["LastModified"],
        )
        for item in page.get("Contents", [])
        if not item["Key"].endswith("/")  # folder markers are not objects
    ]


class S3Source:
    """One bucket prefix. The boto3 client is shared by threads (it is thread-safe) and retries
    adaptively, so throttling and dropped connections are absorbed below our code."""

    # GETs wait on the network: a chunk's objects are fetched by a pool of threads.
    reads_in_parallel = True

    def __init__(self, url: str, endpoint_url: str | None = None, max_connections: int = 32):
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise SourceError(f"not an S3 URL: {url!r} (expected s3://BUCKET/PREFIX/)")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.lstrip("/")
        self.endpoint_url = endpoint_url
        self.max_connections = max_connections
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        """Ship the location, not the client, when a task runs in another process."""
        state = self.__dict__.copy()
        state.pop("client", None)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @cached_property
    def client(self):
        identity = (os.environ.get("AWS_PROFILE"), os.environ.get("AWS_ACCESS_KEY_ID"))
        return _s3_client(self.endpoint_url, self.max_connections, identity)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def list(self) -> Iterator[ObjectRef]:
        """Every object under the prefix, in key order.

        ListObjectsV2 returns 1,000 keys a request, one request after another: a million keys
        are a thousand round trips in a row. So the folders under the prefix (two levels down, at
        most) are found with delimiter listings first, then listed LIST_THREADS at a time."""
        with translate_errors(self.describe()):
            folders, direct = self._folders(self.prefix, LIST_SPLIT_DEPTH)
            with ThreadPoolExecutor(max_workers=LIST_THREADS) as pool:
                listed = [direct, *pool.map(self._list_flat, folders)]
        yield from sorted((ref for part in listed for ref in part), key=lambda ref: ref.key)

    def _pages(self, prefix: str, **extra: str) -> Iterator[dict]:
        paginator = self.client.get_paginator("list_objects_v2")
        yield from paginator.paginate(Bucket=self.bucket, Prefix=prefix, **extra)

    def _folders(self, prefix: str, depth: int) -> tuple[list[str], list[ObjectRef]]:
        """Folders below `prefix` down to `depth` levels (fewer once there are enough to keep
        the threads busy), and the objects found on the way."""
        level, direct = [prefix], []
        for _ in range(depth):
            if len(level) >= LIST_THREADS * 2:
                break
            below: list[str] = []
            for folder in level:
                for page in self._pages(folder, Delimiter="/"):
                    below += [item["Prefix"] for item in page.get("CommonPrefixes", [])]
                    direct += _refs(page)
            level = below
        return level, direct

    def _list_flat(self, prefix: str) -> list[ObjectRef]:
        return [ref for page in self._pages(prefix) for ref in _refs(page)]

    def fetch(self, key: str, etag: str | None = None) -> bytes:
        """The object's bytes, as listed: with the listed ETag, a GET of an object overwritten
        since the listing fails (412) instead of returning content the run would record under
        the old ETag. botocore checks the body against Content-Length, so a truncated body
        raises rather than being returned short."""
        extra = {"IfMatch": f'"{etag}"'} if etag else {}
        with translate_errors(f"s3://{self.bucket}/{key}"):  # credentials: the whole run fails
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=key, **extra)
                return response["Body"].read()
            except botocore.exceptions.ClientError as exc:
                raise _unreadable(key, exc) from None
            except _BODY_ERRORS as exc:
                raise ObjectUnreadable(key, _body_reason(exc), transient=True) from None

    def check(self) -> None:
        """Fail fast, with one clear line, before a run starts any work (few retries here: an
        unreachable endpoint should be reported in seconds, not after adaptive backoff)."""
        config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=3)
        client = boto3.session.Session().client("s3", endpoint_url=self.endpoint_url, config=config)
        with translate_errors(self.describe()):
            client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1)


# Errors that are about the whole run's configuration, not about one object.
_CONFIGURATION_ERRORS = {"NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


def _unreadable(key: str, exc: botocore.exceptions.ClientError) -> Exception:
    """What a refused GET means for this one object; a bucket or credentials problem is the
    whole run's and stays a ClientError (translated to a SourceError by the caller)."""
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in _CONFIGURATION_ERRORS:
        return exc
    if code == "PreconditionFailed" or status == 412:
        return ObjectUnreadable(key, "changed since it was listed")
    if code == "NoSuchKey" or status == 404:
        return ObjectUnreadable(key, "deleted since it was listed")
    if code == "AccessDenied" or status == 403:
        return ObjectUnreadable(key, "access denied")
    return ObjectUnreadable(key, f"S3 error {code or status}", transient=status >= 500)


def _body_reason(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.IncompleteReadError):
        return "body shorter than its Content-Length (truncated)"
    if isinstance(exc, botocore.exceptions.ReadTimeoutError | TimeoutError):
        return "read timed out"
    return "connection lost while reading"


class translate_errors:
    """Turn boto3's exceptions into one line a user can act on, without credentials in it."""

    def __init__(self, where: str):
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None:
            return False
        if isinstance(exc, botocore.exceptions.ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            messages = {
                "NoSuchBucket": "bucket does not exist",
                "InvalidAccessKeyId": "the access key is not known to the endpoint",
                "SignatureDoesNotMatch": "the secret key does not match the access key",
                "AccessDenied": "access denied",
                "NoSuchKey": "object disappeared while the run was reading it",
            }
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500
            transient = status >= 500 or status in (408, 429) or code in TRANSIENT_CODES
            kind = TransientSourceError if transient else SourceError
            raise kind(f"{self.where}: {messages.get(code, code or str(exc))}") from exc
        if isinstance(exc, botocore.exceptions.EndpointConnectionError):
            raise TransientSourceError(
                f"{self.where}: cannot reach endpoint {exc.kwargs.get('endpoint_url')}"
            ) from exc
        if isinstance(exc, botocore.exceptions.NoCredentialsError):
            raise SourceError(
                f"{self.where}: no AWS credentials found "
                "(set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)"
            ) from exc
        if isinstance(exc, botocore.exceptions.BotoCoreError):
            kind = SourceError if isinstance(exc, CONFIGURATION_ERRORS) else TransientSourceError
            raise kind(f"{self.where}: {' '.join(str(exc).split())}") from exc  # one line
        return False
