"""Where article objects come from: an S3 bucket (through boto3) or a local directory.

Both sources list `ObjectRef`s and fetch bytes by key, so everything downstream is the same."""

from __future__ import annotations

import os
import stat as stat_module
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import botocore.exceptions
from botocore.config import Config

from newsetl.source.objects import ObjectRef, ObjectUnreadable, doc_id, matches

__all__ = ["ObjectRef", "ObjectUnreadable", "Source", "SourceError", "doc_id", "matches"]


class SourceError(RuntimeError):
    """A problem with the source that a user can fix: missing bucket, credentials, endpoint.
    No retry helps (`permanent`), unless it is a TransientSourceError."""

    permanent = True


class TransientSourceError(SourceError):
    """A source problem that may pass by itself: the endpoint unreachable, throttling, a server
    error, a dropped connection. Worth a retry."""

    permanent = False


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


class LocalSource:
    """A directory standing in for a bucket: key = path relative to it, ETag = mtime and size.

    Nothing outside the root is read: a symbolic link that leads out of it is ignored, and links
    to folders are not followed. A folder that cannot be listed is remembered in `unlisted`, so
    that its objects are reported, never taken for deleted."""

    # A file in the page cache reads in microseconds, less than handing it to a thread costs
    # (measured: 20,000 files in 0.75 s from one thread, 4.1 s and 5.8 s of CPU from 16); the
    # chunks a run has in flight already read side by side.
    reads_in_parallel = False

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.unlisted: list[tuple[str, str]] = []  # (folder key, reason)
        self.outside: list[str] = []  # keys of links that lead out of the root

    def describe(self) -> str:
        return str(self.root)

    def _inside(self, path: Path) -> bool:
        """Whether `path`, links followed, stays under the root."""
        root = self._real_root
        return os.path.commonpath([root, os.path.realpath(path)]) == root

    def list(self) -> Iterator[ObjectRef]:
        """Every regular file under the root, by key. Folders are read with `os.scandir`, whose
        entries know their own type: a file costs one `stat` (100,000 files: 6.0 s of CPU
        through pathlib and `os.walk`, 1.3 s so)."""
        self.check()
        self.unlisted, self.outside = [], []
        refs = []
        folders = [""]  # keys of the folders still to read: "" for the root, else "a/b/"
        while folders:
            folder = folders.pop()
            try:
                with os.scandir(os.path.join(self.root, folder)) as found:
                    entries = [*found]
            except OSError as error:
                self.unlisted.append((folder, error.strerror or str(error)))
                continue
            for entry in entries:
                key = folder + entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(f"{key}/")
                    continue
                if entry.is_symlink():
                    if entry.is_dir():
                        continue  # links to folders are not followed
                    if not self._inside(Path(entry.path)):
                        self.outside.append(key)
                        continue
                try:
                    stat = entry.stat()  # a link's target
                except OSError:
                    stat = None  # a dangling link or a file gone since: reported by fetch
                if stat is not None and not stat_module.S_ISREG(stat.st_mode):
                    continue
                refs.append(
                    ObjectRef(
                        key=key,
                        etag=_file_etag(stat) if stat else "",
                        size=stat.st_size if stat else 0,
                        last_modified=datetime.fromtimestamp(stat.st_mtime if stat else 0, tz=UTC),
                    )
                )
        self.outside.sort()
        self.unlisted.sort()
        yield from sorted(refs, key=lambda ref: ref.key)

    def fetch(self, key: str, etag: str | None = None) -> bytes:
        """Read one file, from the same open file whose state is compared with the listing.

        Only a regular file is opened (a FIFO or a device could block or act on being opened),
        and where the kernel says which file a descriptor holds (`/proc/self/fd`), that answer
        decides whether it is inside the root, after the open and before any read, so that a
        link swapped in between cannot lead out. That is one system call where resolving every
        component of the path beforehand (`os.path.realpath`, pure Python) cost 0.2 ms a file
        and was most of a directory run's fetching."""
        path = os.path.join(self.root, key)
        try:
            if not stat_module.S_ISREG(os.stat(path).st_mode):
                raise ObjectUnreadable(key, "not a regular file")
            if not _FD_PATHS and not self._inside(Path(path)):
                raise ObjectUnreadable(key, "outside the source folder")
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise ObjectUnreadable(key, "deleted since it was listed") from None
        except PermissionError:
            raise ObjectUnreadable(key, "permission denied") from None
        except OSError as exc:
            raise ObjectUnreadable(key, exc.strerror or type(exc).__name__) from None
        try:
            if _FD_PATHS and not self._holds_inside(fd):
                raise ObjectUnreadable(key, "outside the source folder")
            state = os.fstat(fd)
            if not stat_module.S_ISREG(state.st_mode):
                raise ObjectUnreadable(key, "not a regular file")
            with open(fd, "rb", closefd=False) as handle:
                data = handle.read()
            now = _file_etag(os.fstat(fd))
        except OSError as exc:
            raise ObjectUnreadable(key, exc.strerror or type(exc).__name__) from None
        finally:
            os.close(fd)
        if etag and now != etag:
            raise ObjectUnreadable(key, "changed since it was listed")
        return data

    @cached_property
    def _real_root(self) -> str:
        return os.path.realpath(self.root)

    def _holds_inside(self, fd: int) -> bool:
        """Whether the open file `fd` lies under the root, as the kernel resolved it."""
        held = os.readlink(f"/proc/self/fd/{fd}")
        return held.startswith(self._real_root.rstrip("/") + "/")

    def check(self) -> None:
        if not self.root.is_dir():
            raise SourceError(f"source directory not found: {self.root}")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise SourceError(f"source directory not readable: {self.root}")


# Linux names the file an open descriptor holds under /proc/self/fd.
_FD_PATHS = os.path.isdir("/proc/self/fd")


def _file_etag(stat: os.stat_result) -> str:
    return f"{stat.st_mtime_ns:x}-{stat.st_size:x}"


# A source is anything with list(), fetch(key, etag), check() and `reads_in_parallel`: these two,
# or the lake's own quarantine (newsetl.lake.quarantine).
Source = S3Source | LocalSource


def open_source(url: str, endpoint_url: str | None = None, max_connections: int = 32) -> Source:
    if url.startswith("s3://"):
        return S3Source(url, endpoint_url=endpoint_url, max_connections=max_connections)
    return LocalSource(url)


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
