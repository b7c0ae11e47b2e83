"""The warehouse: a DuckLake lakehouse (a catalog database plus Parquet data files), opened through
DuckDB. This module names the catalog, attaches it, migrates it, and writes one run as one
DuckLake snapshot; the SQL itself lives in sql/.

Two kinds of catalog:
- a SQLite file (the default, `warehouse/news.sqlite`), data files in a folder beside it
  (`warehouse/news.files/`). Any number of readers attach read-only while a run writes (the file
  is kept in SQLite's WAL mode so that readers never block a commit); one writer at a time.
- PostgreSQL (`postgres:<conninfo>`), data files under `--data-path` (a folder or
  `s3://BUCKET/PREFIX/`), for teams and several machines. Many writers may commit at once: the
  load retries a commit that conflicts with another one.

Every connection is in-memory DuckDB with the lake attached as `news` and made the default, so
the contract's tables resolve unqualified. Internal objects live in schema `newsetl_internal`.

Where a lake is (`Catalog`) and who writes it (`writer_lock`) live in newsetl.common.catalog and
newsetl.lake.lock, light enough for the command line's first checks; they are imported here too."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import duckdb

from newsetl.common.catalog import (
    Catalog,
    WarehouseConfigError,
    WarehouseError,
    redact,
)
from newsetl.common.sqlfiles import quote
from newsetl.lake.extensions import load_extension

ALIAS = "news"


INTERNAL = "newsetl_internal"

# A DuckLake transaction pins its snapshot at its first read but reads the catalog's rows as it
# needs them. The SQLite scanner otherwise reads each catalog table through a fresh SQLite
# connection, that is the newest commit: after a run or a maintenance, a transaction that
# started earlier would read a mix of states, or empty tables. Through one connection every
# catalog read of a transaction sees one SQLite (WAL) snapshot. Set before ATTACH.
SQLITE_ONE_CONNECTION = "SET GLOBAL sqlite_disable_multithreaded_scans = true"


def create_sqlite_catalog(path: Path) -> None:
    """An empty SQLite catalog in WAL mode (persistent in the file): readers then never block
    the writer's commit, and the writer never blocks them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def s3_secret(con: duckdb.DuckDBPyConnection, endpoint_url: str | None) -> None:
    """A temporary (never persisted) DuckDB secret for an s3:// data path, from boto3's credential
    chain and the endpoint. Nothing of it reaches the catalog or a log."""
    con.execute(s3_secret_sql(endpoint_url))


def s3_secret_sql(endpoint_url: str | None) -> str:
    """The CREATE SECRET statement behind `s3_secret`."""
    from urllib.parse import urlparse

    import boto3

    session = boto3.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise WarehouseConfigError("no AWS credentials found for the s3:// data path")
    frozen = credentials.get_frozen_credentials()
    options = {
        "TYPE": "s3",
        "KEY_ID": frozen.access_key,
        "SECRET": frozen.secret_key,
        "REGION": session.region_name or "us-east-1",
    }
    if frozen.token:
        options["SESSION_TOKEN"] = frozen.token
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        url = urlparse(endpoint)
        options["ENDPOINT"] = url.netloc
        options["URL_STYLE"] = "path"
        options["USE_SSL"] = "true" if url.scheme == "https" else "false"
    body = ", ".join(
        f"{k} {v}" if k in {"TYPE", "USE_SSL"} else f"{k} {quote(v)}" for k, v in options.items()
    )
    return f"CREATE OR REPLACE TEMPORARY SECRET newsetl_s3 ({body})"


def connect(
    catalog: Catalog,
    *,
    read_only: bool = False,
    memory_limit: str | None = None,
    endpoint_url: str | None = None,
    snapshot: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with the lake attached as `news` and in use. A writer creates a missing
    file catalog; a reader never creates anything. `snapshot` opens an older state, read-only."""
    if not catalog.exists():
        if read_only or snapshot is not None:
            raise WarehouseConfigError(f"warehouse not found: {catalog.describe()}")
        create_sqlite_catalog(catalog.path)
        data_path = catalog.data_path or catalog.default_data_path
    else:
        data_path = catalog.data_path
    # Extensions are loaded from this environment's locked wheels by path (lake.extensions).
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    try:
        for name in ("ducklake", "sqlite_scanner" if catalog.is_file else "postgres_scanner"):
            load_extension(con, name)
        if catalog.is_file:
            con.execute(SQLITE_ONE_CONNECTION)
        if memory_limit:
            con.execute("SET memory_limit = ?", [memory_limit])
        spill = catalog.local_dir / ".duckdb_spill"
        con.execute("SET temp_directory = ?", [str(spill)])
        # The lake's files never change once written: their footers are read once per session.
        con.execute("SET parquet_metadata_cache = true")
        if not read_only:
            # Row groups are cut by size (see 001_core_tables.sql), which DuckDB allows only
            # without insertion order; no table's meaning depends on the order rows went in.
            con.execute("SET preserve_insertion_order = false")
        if wants_s3(catalog, data_path):
            load_extension(con, "httpfs")
            try:
                s3_secret(con, endpoint_url)
            except WarehouseError:
                if catalog.is_file or data_path:
                    raise  # a PostgreSQL lake may keep its data elsewhere than S3
        options = []
        if data_path:
            if not data_path.startswith("s3://"):
                Path(data_path).mkdir(parents=True, exist_ok=True)
            options.append(f"DATA_PATH {quote(data_path)}")
        if read_only or snapshot is not None:
            options.append("READ_ONLY")
        if snapshot is not None:
            options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
        suffix = f" ({', '.join(options)})" if options else ""
        try:
            con.execute(f"ATTACH {quote(catalog.attach_uri())} AS {ALIAS}{suffix}")
        except duckdb.Error as exc:
            full = catalog.full_disk()
            if full is not None:
                raise WarehouseError(
                    f"cannot open {catalog.describe()}: the disk holding it ({full}) is full "
                    f"({os.strerror(errno.ENOSPC)}); free some space there, then try again"
                ) from None
            raise WarehouseError(
                f"cannot open {catalog.describe()}: {redact(_first_line(exc))}"
            ) from None
        con.execute(f"USE {ALIAS}")
        load_extension(con, "fts")  # stem() for Russian queries
    except BaseException:
        con.close()
        raise
    return con


def wants_s3(catalog: Catalog, data_path: str | None = None) -> bool:
    """Whether the lake's data may be on S3, so that httpfs and a secret are needed."""
    data_path = data_path or catalog.data_path
    if data_path:
        return data_path.startswith("s3://")
    return stored_s3(catalog) if catalog.is_file else True


def stored_s3(catalog: Catalog) -> bool:
    """Whether an existing file catalog keeps its data on S3 (read from SQLite directly, so
    that the secret exists before DuckLake first touches the data)."""
    if not catalog.is_file or catalog.data_path or not catalog.path.is_file():
        return False
    try:
        con = sqlite3.connect(f"file:{catalog.path}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT value FROM ducklake_metadata WHERE key = 'data_path'"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return False
    return bool(row and str(row[0]).startswith("s3://"))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
