"""`newsetl migrate-warehouse`: move a warehouse made by an earlier version (one DuckDB file) into
a new, empty lake, in one snapshot: every table's rows, the quarantine's raw bytes, the run
history, and the search index of its articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl

from newsetl.common import sqlfiles
from newsetl.common.catalog import WarehouseError
from newsetl.common.settings import Settings
from newsetl.lake import commit, connection, lock, migrations
from newsetl.search.index import index_frames

TABLES = ("articles", "paragraphs", "quarantine", "ingest_runs", "dq_results")
INDEX_BATCH = 2_000


def migrate_duckdb_warehouse(old: Path, settings: Settings) -> dict[str, int]:
    """Returns the rows moved per table. Refuses a lake that holds any run already."""
    old = Path(old)
    if not old.is_file():
        raise WarehouseError(f"no warehouse file at {old}")
    catalog = settings.catalog
    with lock.writer_lock(catalog, settings.lock_timeout):
        con = connection.connect(catalog, endpoint_url=settings.endpoint_url)
        try:
            migrations.prepare(con)
            if con.execute("SELECT count(*) FROM ingest_runs").fetchone()[0]:
                raise WarehouseError(
                    f"{catalog.describe()} already holds runs; migrate into a new, empty lake"
                )
            try:
                con.execute(f"ATTACH {sqlfiles.quote(str(old))} AS old (READ_ONLY)")
            except duckdb.Error as exc:
                raise WarehouseError(
                    f"cannot open {old} as a DuckDB warehouse: {str(exc).splitlines()[0]}"
                ) from None
            with commit.transaction(con):
                counts = {table: _copy(con, table) for table in TABLES}
                counts["source_objects"] = _copy_source_objects(con)
                counts["search_docs"] = _index(con)
                commit.commit_message(con, old.name, "migrated from")
            return counts
        finally:
            con.close()


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [database, table],
        ).fetchall()
    ]


def _copy(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Every row, by name: columns the old version did not have stay NULL."""
    old = set(_columns(con, "old", table))
    shared = [c for c in _columns(con, sqlfiles.ALIAS, table) if c in old]
    names = ", ".join(f'"{c}"' for c in shared)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM old.main.{table}")
    return con.execute(f"SELECT count(*) FROM old.main.{table}").fetchone()[0]


def _copy_source_objects(con: duckdb.DuckDBPyConnection) -> int:
    """Each object's source is the source of the run that last saw it."""
    con.execute(
        "INSERT INTO source_objects BY NAME "
        "SELECT o.*, coalesce(r.source, '') AS source "
        "FROM old.main.source_objects AS o "
        "LEFT JOIN old.main.ingest_runs AS r ON r.run_id = o.last_run_id"
    )
    return con.execute("SELECT count(*) FROM old.main.source_objects").fetchone()[0]


def _index(con: duckdb.DuckDBPyConnection) -> int:
    """Search postings for the current articles, built and loaded as a run loads them."""
    cursor = con.cursor()
    cursor.execute(
        "SELECT key, title, body, language FROM old.main.articles WHERE deleted_at IS NULL"
    )
    indexed = 0

    def batches() -> Iterator[pl.DataFrame]:
        nonlocal indexed
        while batch := cursor.fetchmany(INDEX_BATCH):
            docs, postings = index_frames(batch)
            con.register("migrated_docs", docs.to_arrow())
            try:
                con.execute(
                    f"INSERT INTO {sqlfiles.INTERNAL}.search_docs BY NAME "
                    "SELECT hash(d.key) AS doc, d.key, d.lang, d.length, a.title, "
                    "a.published_date, a.language "
                    "FROM migrated_docs AS d JOIN old.main.articles AS a USING (key)"
                )
                con.execute(
                    f"INSERT INTO {sqlfiles.INTERNAL}.search_corpus BY NAME "
                    "SELECT count(*) AS docs, sum(length) AS length FROM migrated_docs "
                    "HAVING count(*) > 0"
                )
            finally:
                con.unregister("migrated_docs")
            decisions = docs.select("key").with_columns(destination=pl.lit("articles"))
            commit.bind(con, {"decisions": decisions})
            indexed += docs.height
            yield postings

    commit.insert_postings(con, batches())
    cursor.close()
    return indexed
