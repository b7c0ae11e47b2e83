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

Where a lake is (`Catalog`) and who writes it (`writer_lock`) live in newsetl.catalog and
newsetl.lock, light enough for the command line's first checks; they are imported here too.
"""

from __future__ import annotations

import random
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from newsetl import checkpoints
from newsetl.catalog import POSTGRES_PREFIX as POSTGRES_PREFIX
from newsetl.catalog import Catalog as Catalog
from newsetl.catalog import WarehouseConfigError as WarehouseConfigError
from newsetl.catalog import WarehouseError as WarehouseError
from newsetl.catalog import redact as redact
from newsetl.lock import writer_lock as writer_lock
from newsetl.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
ALIAS = "news"
INTERNAL = "newsetl_internal"
_MIGRATION_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")
COMMIT_ATTEMPTS = 8


def sql_file(name: str) -> str:
    """The text of a SQL file under sql/, by its relative name (e.g. `load/merge.sql`)."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run a SQL file: DuckDB executes a multi-statement script itself."""
    con.execute(sql_file(name))


def quote(value: str) -> str:
    """A SQL string literal, for the few statements that take no parameters (ATTACH, SECRET)."""
    return "'" + value.replace("'", "''") + "'"


# --- extensions -------------------------------------------------------------------------------

_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "fts": "duckdb_extension_fts",
    "httpfs": "duckdb_extension_httpfs",
}


def extension_path(name: str) -> Path:
    """The extension binary shipped in its PyPI package (`duckdb-extension-<name>`)."""
    import importlib

    try:
        module = importlib.import_module(_PACKAGES[name])
    except ImportError as exc:  # pragma: no cover - dependencies of the project
        raise WarehouseConfigError(f"the {_PACKAGES[name]} package is not installed") from exc
    base = Path(module.__file__).parent / "extensions"
    exact = base / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if exact.is_file():
        return exact
    found = sorted(base.glob(f"*/{name}.duckdb_extension"))
    if not found:
        raise WarehouseConfigError(f"no {name}.duckdb_extension under {base}")
    return found[-1]


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load an extension without the network: from DuckDB's extension directory when it is
    installed there already, else install the packaged binary there first (so later sessions,
    the DuckDB CLI included, autoload it); where that directory is not writable, load the
    packaged file directly."""
    row = con.execute(
        "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if row and row[0]:
        return
    if row and row[1]:
        try:
            con.execute(f"LOAD {name}")
            return
        except duckdb.Error:
            pass  # installed for another build: install the packaged one over it
    path = extension_path(name)
    try:
        con.execute(f"INSTALL {quote(str(path))}")
        con.execute(f"LOAD {name}")
    except duckdb.Error:
        try:
            con.execute(f"LOAD {quote(str(path))}")
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot load the {name} extension from {path}: {exc}") from exc


# --- connecting -------------------------------------------------------------------------------


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
    import os
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
    con = duckdb.connect(config={"allow_unsigned_extensions": "false"})
    try:
        for name in ("ducklake", "sqlite_scanner" if catalog.is_file else "postgres_scanner"):
            load_extension(con, name)
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


# --- migrations -------------------------------------------------------------------------------


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every sql/migrations/NNN_name.sql not yet recorded, each in its own transaction.
    Writers on other machines may migrate a new lake at the same moment: a migration that loses
    that race is re-read, not re-applied."""
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            with transaction(con):
                run_script(con, "schema_migrations.sql")
            break
        except duckdb.Error as exc:
            _retry_or_raise(exc, attempt)
    done: list[str] = []
    for path in sorted((SQL_DIR / "migrations").glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            continue
        version = int(match.group(1))
        for attempt in range(COMMIT_ATTEMPTS):
            if version in _applied(con):
                break
            try:
                with transaction(con):
                    run_script(con, f"migrations/{path.name}")
                    con.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (?, ?, now())",
                        [version, path.stem],
                    )
                done.append(path.stem)
                break
            except duckdb.Error as exc:
                _retry_or_raise(exc, attempt)
    return done


def prepare(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Migrations, then the search macros and tables where they are missing or out of date."""
    from newsetl.search import install

    done = migrate(con)
    for attempt in range(COMMIT_ATTEMPTS):
        if install.installed(con):
            break
        try:
            with transaction(con):
                install.install(con)
                commit_message(con, "search", "install")
            break
        except duckdb.Error as exc:
            _retry_or_raise(exc, attempt)
    return done


def _applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def is_conflict(exc: BaseException) -> bool:
    """A commit that lost to another writer's (DuckLake's conflict check, or the catalog's own
    lock): worth trying again from the start."""
    text = str(exc).lower()
    return "conflict" in text or "database is locked" in text or "already exists" in text


def _retry_or_raise(exc: BaseException, attempt: int) -> None:
    if not is_conflict(exc) or attempt == COMMIT_ATTEMPTS - 1:
        raise exc
    time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))


# --- reading state ----------------------------------------------------------------------------


def read_state(con: duckdb.DuckDBPyConnection, source: str | None) -> pl.DataFrame:
    """What the warehouse knows of one source's objects (of all, when `source` is None): the
    plan compares the listing with it."""
    return con.execute(
        "SELECT key, etag, size, status FROM source_objects WHERE ? IS NULL OR source = ?",
        [source, source],
    ).pl()


def live_article_hashes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.execute("SELECT key, content_sha256 FROM articles WHERE deleted_at IS NULL").pl()


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchone()[0])


def snapshot_of_run(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    row = con.execute("SELECT snapshot_id FROM ingest_runs WHERE run_id = ?", [run_id]).fetchone()
    if row is None or row[0] is None:
        raise WarehouseError(f"no run {run_id} with a snapshot in this warehouse")
    return int(row[0])


# --- writing ----------------------------------------------------------------------------------


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: any exception inside rolls every statement back."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def bind(con: duckdb.DuckDBPyConnection, frames: Mapping[str, pl.DataFrame | list[Path]]) -> None:
    """Expose frames, or staged Parquet files, to the SQL files under fixed names: in this
    connection only (temporary views and registered frames), never in the lake."""
    for name, frame in frames.items():
        if isinstance(frame, list):
            files = ", ".join(quote(str(path)) for path in frame)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM read_parquet([{files}])"
            )
        else:
            con.register(name, frame.to_arrow())


def staged(files: list[Path], schema: Mapping) -> list[Path] | pl.DataFrame:
    """Staged Parquet files, or an empty frame of the same shape when there are none."""
    return list(files) if files else pl.DataFrame(schema=dict(schema))


def commit_message(con: duckdb.DuckDBPyConnection, run_id: str, kind: str) -> None:
    """The snapshot says what made it: `ducklake_snapshots()` shows it to analysts."""
    import json

    con.execute(
        f"CALL {ALIAS}.set_commit_message('newsetl', ?, extra_info => ?)",
        [f"{kind} {run_id}", json.dumps({"run_id": run_id})],
    )


def apply_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_ctx: pl.DataFrame,
    plan: pl.DataFrame,
    decisions: pl.DataFrame,
    staged_files: Mapping[str, list[Path]],
    staged_schemas: Mapping[str, Mapping],
    run_row: pl.DataFrame,
    dq_rows: pl.DataFrame,
    loaded: bool,
    unread_rows: pl.DataFrame | None = None,
) -> int:
    """Write one run as one DuckLake snapshot: its rows and their search postings when `loaded`,
    its record always. Returns the snapshot id.

    Rows of keys seen before are deleted and inserted again; a run that brings only new keys
    inserts and never deletes, so such runs from different machines never conflict. A commit
    that loses to a concurrent one (on a shared catalog) is tried again from the start: the
    expensive work (fetching, parsing, validating, staging) is done before it."""
    relations: dict[str, pl.DataFrame | list[Path]] = {
        "run_ctx": run_ctx,
        "plan": plan,
        "decisions": decisions,
        "dq_rows": dq_rows,
        "unread_rows": unread_rows
        if unread_rows is not None
        else pl.DataFrame(schema={"run_id": pl.String, "key": pl.String, "reason": pl.String}),
    }
    for name, files in staged_files.items():
        relations[f"staged_{name}"] = staged(files, staged_schemas[name])
    bind(con, relations)
    run_id = run_ctx["run_id"][0]
    postings = list(staged_files.get("postings", []))
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            expected = _apply_once(con, run_row, loaded, run_id, postings)
            break
        except duckdb.Error as exc:
            _retry_or_raise(exc, attempt)
    actual = int(
        con.execute(f"SELECT id FROM ducklake_last_committed_snapshot('{ALIAS}')").fetchone()[0]
    )
    if actual != expected:
        # Another writer committed first, so this run's snapshot got a later id than the one it
        # recorded. Rare, and only on a shared catalog: put the real one on record.
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                with transaction(con):
                    con.execute(
                        "UPDATE ingest_runs SET snapshot_id = ? WHERE run_id = ?", [actual, run_id]
                    )
                break
            except duckdb.Error as exc:
                _retry_or_raise(exc, attempt)
    return actual


def _apply_once(
    con: duckdb.DuckDBPyConnection,
    run_row: pl.DataFrame,
    loaded: bool,
    run_id: str,
    postings: list[Path],
) -> int:
    with transaction(con):
        expected = current_snapshot(con) + 1
        bind(con, {"run_row": run_row.with_columns(snapshot_id=pl.lit(expected, pl.Int64))})
        if loaded:
            run_script(con, "load/prepare.sql")
            if con.execute("SELECT count(*) FROM replaced").fetchone()[0]:
                run_script(con, "load/replace.sql")
            if con.execute("SELECT count(*) FROM gone").fetchone()[0]:
                run_script(con, "load/mark_deleted.sql")
            run_script(con, "load/insert.sql")
            for chunk in postings:
                bind(con, {"chunk_postings": [chunk]})
                run_script(con, "load/insert_postings.sql")
        run_script(con, "load/record_run.sql")
        commit_message(con, run_id, "ingest run")
        checkpoints.reach("loading")
    return expected
