"""One run as one DuckLake snapshot: the staged rows bound, the load scripts run, a commit that
conflicts with another writer's retried; and what a run reads back (state, snapshots)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from newsetl.common import checkpoints, interrupt
from newsetl.common.catalog import WarehouseError
from newsetl.common.sqlfiles import ALIAS, quote, run_script
from newsetl.lake.lock import sqlite_locked_message
from newsetl.search import lists

COMMIT_ATTEMPTS = 8


def is_conflict(exc: BaseException) -> bool:
    """A commit that lost to another writer's (DuckLake's conflict check, or the catalog's own
    lock): worth trying again from the start."""
    text = str(exc).lower()
    return "conflict" in text or "database is locked" in text or "already exists" in text


def retry_or_raise(
    exc: BaseException, attempt: int, con: duckdb.DuckDBPyConnection | None = None
) -> None:
    """Wait before the next attempt, or raise: `exc` when it cannot pass by itself or the last
    attempt failed; a SQLite catalog still locked by another process's write transaction (not a
    newsetl run: those wait for the writer lock) is named, as DuckDB's first line does not."""
    if not is_conflict(exc) or attempt == COMMIT_ATTEMPTS - 1:
        catalog = sqlite_catalog(con) if con is not None else None
        if catalog is not None and "database is locked" in str(exc):
            raise WarehouseError(
                f"nothing was committed after {COMMIT_ATTEMPTS} tries: "
                + sqlite_locked_message(catalog)
            ) from exc
        raise exc
    time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))


def sqlite_catalog(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The lake's SQLite catalog file, for a lake on one."""
    try:
        row = con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = ?", [ALIAS]
        ).fetchone()
    except duckdb.Error:
        return None
    prefix = "sqlite:"
    if row is None or not str(row[0] or "").startswith(prefix):
        return None
    return Path(str(row[0]).removeprefix(prefix))


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


@contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection, on_commit: Callable[[], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: any exception inside rolls every statement back. A signal that arrives
    during the COMMIT is acted on right after it (and after `on_commit`), so that a stopped
    command knows whether it went through (newsetl.common.interrupt)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    with interrupt.deferred():
        con.execute("COMMIT")
        if on_commit is not None:
            on_commit()


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


# Postings rows one insert sorts: a few chunks' worth. Each insert is sorted by term and written
# as files of its own; one per chunk cost 2.3 x more than one per 5,000 articles (measured on the
# bench corpus, 20,000 articles, 3.7 million postings: 2.58 s against 1.10 s), and a bound keeps
# the sort's memory the same whatever the size of the run.
POSTINGS_ROWS_PER_INSERT = 1_000_000

# Objects one pass of the insert scripts loads. Their joins hash the run's plan and decisions
# sliced to these objects, so the load's memory stays within DuckDB's limit whatever the size of
# the run: one pass over a first load of 400,000 articles needed more than 256 MB for those
# hash tables and the Parquet writers together, and failed.
OBJECTS_PER_INSERT = 25_000


def batches_of_rows(items: list[tuple[Any, int]], limit: int = POSTINGS_ROWS_PER_INSERT) -> list:
    """Items (staged files, or frames) with their row counts, in order, grouped into consecutive
    batches of at most `limit` rows (an item over the limit alone)."""
    batches: list[list] = []
    held = 0
    for item, rows in items:
        if not batches or held + rows > limit:
            batches.append([])
            held = 0
        batches[-1].append(item)
        held += rows
    return batches


@dataclass(frozen=True)
class Batch:
    """Staged chunks loaded by one pass of the insert scripts: their files by staged table, the
    keys of their objects (None: every key of the run), and their postings files grouped into
    inserts (None: one insert per file)."""

    files: Mapping[str, list[Path]]
    keys: pl.Series | None = None
    postings: list[list[Path]] | None = None


def batches_of_chunks(
    chunks: list[tuple[Mapping[str, Path], pl.Series, Mapping[str, int]]],
    objects: int = OBJECTS_PER_INSERT,
) -> list[Batch]:
    """Staged chunks (their files by table, their objects' keys, their rows by table), in
    order, as batches of at most `objects` objects, postings grouped by POSTINGS_ROWS_PER_INSERT."""
    out = []
    for group in batches_of_rows([(chunk, len(chunk[1])) for chunk in chunks], objects):
        tables = {name for files, _, _ in group for name in files}
        out.append(
            Batch(
                files={name: [files[name] for files, _, _ in group] for name in sorted(tables)},
                keys=pl.concat([keys for _, keys, _ in group]),
                postings=batches_of_rows(
                    [(files["postings"], rows.get("postings", 0)) for files, _, rows in group]
                ),
            )
        )
    return out


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
    batches: list[Batch],
    staged_schemas: Mapping[str, Mapping],
    run_row: pl.DataFrame,
    dq_rows: pl.DataFrame,
    loaded: bool,
    unread_rows: pl.DataFrame | None = None,
) -> int:
    """Write one run as one DuckLake snapshot: its rows and their search postings when `loaded`,
    its record always. Returns the snapshot id.

    `batches` are the staged chunks (`batches_of_chunks`), loaded one after the other inside the
    one transaction, each with the run's plan and decisions sliced to its keys.

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
    run_id = run_ctx["run_id"][0]
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            bind(con, relations)  # the whole run's plan and decisions again, on every attempt
            expected = _apply_once(
                con, run_row, loaded, run_id, batches, staged_schemas, plan, decisions
            )
            break
        except duckdb.Error as exc:
            retry_or_raise(exc, attempt, con)
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
                retry_or_raise(exc, attempt, con)
    return actual


def unindex(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    """The keys of `relation` (`replaced` or `gone`) leave search: sql/load/unindex.sql."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW leaving AS SELECT key FROM {relation}")
    run_script(con, "load/unindex.sql")


def insert_postings(
    con: duckdb.DuckDBPyConnection, batches: Iterable, staged_terms: bool = False
) -> None:
    """A run's search postings, batch by batch (each staged files or a frame, bound as
    `chunk_postings`), with the per-term counts and lists that keep the first page of search
    cheap (newsetl.search.lists); in the caller's transaction. With `staged_terms`, the parse
    workers' term counts (bound as `staged_terms`, with `staged_postings` and
    `staged_search_docs`) are added once instead of counting each batch."""
    lists.start_run(con)
    for batch in batches:
        bind(con, {"chunk_postings": batch})
        run_script(con, "load/insert_postings.sql")
        lists.add_batch(con, counted=staged_terms)
    if staged_terms:
        run_script(con, "load/count_terms.sql")


def bind_batch(
    con: duckdb.DuckDBPyConnection,
    batch: Batch,
    schemas: Mapping[str, Mapping],
    run: Mapping[str, pl.DataFrame],
) -> None:
    """A batch's staged files as `staged_<table>`, and the run's `plan` and `decisions` (`run`)
    sliced to its keys: what the insert scripts read."""
    relations: dict[str, pl.DataFrame | list[Path]] = {
        f"staged_{name}": staged(batch.files.get(name, []), schema)
        for name, schema in schemas.items()
    }
    if batch.keys is not None:
        keys = pl.DataFrame({"key": batch.keys}, schema={"key": pl.String})
        for name, whole in run.items():
            relations[name] = whole.join(keys, on="key", how="semi")
    bind(con, relations)


def _apply_once(
    con: duckdb.DuckDBPyConnection,
    run_row: pl.DataFrame,
    loaded: bool,
    run_id: str,
    batches: list[Batch],
    schemas: Mapping[str, Mapping],
    plan: pl.DataFrame,
    decisions: pl.DataFrame,
) -> int:
    with transaction(con, on_commit=lambda: interrupt.note_committed(run_id)):
        expected = current_snapshot(con) + 1
        bind(con, {"run_row": run_row.with_columns(snapshot_id=pl.lit(expected, pl.Int64))})
        if loaded:
            run_script(con, "load/prepare.sql")
            if con.execute("SELECT count(*) FROM replaced").fetchone()[0]:
                run_script(con, "load/replace.sql")
                unindex(con, "replaced")
            if con.execute("SELECT count(*) FROM gone").fetchone()[0]:
                run_script(con, "load/mark_deleted.sql")
                unindex(con, "gone")
            for batch in batches:
                bind_batch(con, batch, schemas, {"plan": plan, "decisions": decisions})
                run_script(con, "load/insert.sql")
                run_script(con, "load/insert_search.sql")
                postings = batch.postings
                if postings is None:
                    postings = [[path] for path in batch.files.get("postings", [])]
                insert_postings(con, postings, staged_terms="terms" in batch.files)
        run_script(con, "load/record_run.sql")
        commit_message(con, run_id, "ingest run")
        checkpoints.reach("loading")
    return expected
