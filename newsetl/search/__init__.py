"""Full-text search over the warehouse: DuckDB's fts extension, loaded offline from the PyPI
package `duckdb_extension_fts`, with one index per language and publication month.

DuckDB's fts index cannot be updated, only rebuilt, and a rebuild costs about 0.7 ms of CPU per
article. One index over the whole corpus would make every hourly run pay for the whole archive;
per-month partitions make it pay for the months it touched. A partition is rebuilt when the
fingerprint of its articles changes (sql/search/partitions.sql), so the refresh needs no
bookkeeping from the load and heals whatever it finds. The SQL lives in sql/search/; this module
decides which partitions to build and fills in the templates.

`refresh_search_index(con)` belongs inside the load transaction (then the new articles and their
index commit together), or right after it: outside a transaction it opens its own.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from string import Template

import duckdb

from newsetl.warehouse import run_script, sql_file, statements

STEMMERS = {"ru": "russian", "kk": "none"}


class SearchError(RuntimeError):
    """The fts extension cannot be found or loaded."""


def fts_extension_path() -> Path:
    """The fts extension binary shipped in the `duckdb_extension_fts` wheel, for this DuckDB."""
    try:
        import duckdb_extension_fts
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise SearchError("the duckdb-extension-fts package is not installed") from exc
    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    exact = base / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if exact.is_file():
        return exact
    found = sorted(base.glob("*/fts.duckdb_extension"))
    if not found:
        raise SearchError(f"no fts.duckdb_extension under {base}")
    return found[-1]


def fts_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'"
    ).fetchone()
    return bool(row and row[0])


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts without the network: install the packaged binary into DuckDB's extension
    directory (so later sessions, the DuckDB CLI included, autoload it), then load it. Where the
    extension directory is not writable, load the packaged file directly."""
    if fts_loaded(con):
        return
    path = fts_extension_path()
    literal = str(path).replace("'", "''")
    try:
        con.execute(f"INSTALL '{literal}'")
        con.execute("LOAD fts")
    except duckdb.Error:
        try:
            con.execute(f"LOAD '{literal}'")
        except duckdb.Error as exc:
            raise SearchError(f"cannot load the fts extension from {path}: {exc}") from exc


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` is inside an explicit BEGIN: auto-committed statements each get a new
    transaction id, statements of one open transaction share it. (A second BEGIN cannot be used
    to probe: its error aborts the caller's transaction.)"""
    first = con.execute("SELECT current_transaction_id()").fetchone()
    second = con.execute("SELECT current_transaction_id()").fetchone()
    return first == second


def refresh_search_index(con: duckdb.DuckDBPyConnection, *, parallel: int = 2) -> Refresh:
    """Bring the search partitions and the search_articles(q) macro up to date with
    articles_current: build the partitions whose articles changed, drop the empty ones.

    Inside the caller's transaction, when there is one, it sees that transaction's own
    uncommitted changes and rolls back with it; partitions are then built one after another.
    Otherwise `parallel` partitions are built at once, each on its own cursor in autocommit, and
    the macro and the record of what was built commit together last. A refresh that fails
    halfway can leave a partition half built; it is not recorded, so the next refresh rebuilds
    it, and analysts never see it: they read the snapshot, which is published only after a
    refresh succeeds."""
    load_fts(con)
    if in_transaction(con):
        return _run(con, workers=1)
    return _run(con, workers=max(1, parallel))


@dataclass
class Refresh:
    """What a refresh did, by partition name."""

    built: list[str]
    dropped: list[str]
    kept: int


def _run(con: duckdb.DuckDBPyConnection, workers: int) -> Refresh:
    for name in ("search/stopwords.sql", "search/prelude.sql"):
        run_script(con, name)
    wanted = con.execute(sql_file("search/partitions.sql")).pl()
    stored = con.execute("SELECT name, lang, period, articles, fingerprint FROM search_partitions")
    have = stored.pl()
    stale = wanted.join(have, on=list(wanted.columns), how="anti")
    gone = have.join(wanted, on="name", how="anti")["name"].to_list()
    # Each build reads only its own partition's text: memory follows the partition, not the corpus.
    _build(con, list(stale.select("name", "lang", "period").iter_rows()), workers)
    if stale.height or gone or not search_index_present(con):
        with _transaction(con):
            con.execute("DELETE FROM search_partitions")
            con.register("wanted", wanted)
            try:
                con.execute("INSERT INTO search_partitions BY NAME SELECT * FROM wanted")
            finally:
                con.unregister("wanted")
            _create_macro(con, wanted["name"].to_list())
    for table in gone:  # only once the macro no longer reads them
        _template(con, "search/drop_partition.sql", table=table)
    return Refresh(built=stale["name"].to_list(), dropped=gone, kept=wanted.height - stale.height)


Partition = tuple[str, str, str]  # (table, lang, period)


def _build(con: duckdb.DuckDBPyConnection, partitions: list[Partition], workers: int) -> None:
    if workers <= 1 or len(partitions) <= 1:
        for partition in partitions:
            _build_one(con, partition)
        return
    # Each cursor builds in autocommit with one DuckDB thread: measured on 80,000 articles, that
    # is 25 s and 0.9 GB peak against 38 s and 1.1 GB for a transaction per build with two
    # threads each (the fts build's statements are mostly serial, and a long transaction holds
    # its updates in memory).
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        _build_parallel(con, partitions, workers)
    finally:
        con.execute(f"SET threads = {int(threads)}")


def _build_parallel(
    con: duckdb.DuckDBPyConnection, partitions: list[Partition], workers: int
) -> None:
    cursors: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
    opened = [con.cursor() for _ in range(min(workers, len(partitions)))]
    for cursor in opened:
        cursors.put(cursor)

    def job(partition: Partition) -> None:
        cursor = cursors.get()
        try:
            _build_one(cursor, partition)
        finally:
            cursors.put(cursor)

    try:
        with ThreadPoolExecutor(max_workers=len(opened)) as pool:
            for future in [pool.submit(job, partition) for partition in partitions]:
                future.result()
    finally:
        for cursor in opened:
            cursor.close()


def _build_one(con: duckdb.DuckDBPyConnection, partition: Partition) -> None:
    table, lang, period = partition
    _template(
        con, "search/build_partition.sql", table=table, lang=lang, period=period, **_stemmer(lang)
    )


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A transaction of its own, or nothing when `con` is already inside the caller's."""
    if in_transaction(con):
        yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _stemmer(lang: str) -> dict[str, str]:
    return {"stemmer": STEMMERS[lang]}


def _template(con: duckdb.DuckDBPyConnection, name: str, **values: str) -> None:
    """Run a sql/search template. Values are partition names and fixed words made here, never
    user input."""
    for statement in statements(Template(sql_file(name)).substitute(values)):
        con.execute(statement)


def _create_macro(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    hits = [Template(sql_file("search/hits.sql")).substitute(table=t).strip() for t in tables]
    union = "\n    UNION ALL\n    ".join(hits) or sql_file("search/no_hits.sql").strip()
    _template(con, "search/macro.sql", hits=union)


def search_index_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether refresh_search_index has run on this warehouse (the macro exists)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'search_articles'"
    ).fetchone()
    return bool(row and row[0])


def connect_reader(db: Path, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open a warehouse (typically the published snapshot) with fts loaded, ready for
    `SELECT * FROM search_articles('...')`."""
    con = duckdb.connect(str(db), read_only=read_only)
    try:
        load_fts(con)
    except BaseException:
        con.close()
        raise
    return con
