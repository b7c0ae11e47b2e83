"""Full-text search over the warehouse: DuckDB's fts extension, loaded offline from the PyPI
package `duckdb_extension_fts`, and the index rebuild. The SQL lives in sql/search/; this module
only loads the extension and runs those files.

`refresh_search_index(con)` belongs inside the load transaction (then the new articles and their
index commit together), or right after it: outside a transaction it opens its own.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from newsetl.warehouse import run_script

SEARCH_SCRIPTS = ("search/stopwords.sql", "search/refresh.sql")


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


def refresh_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild search_ru / search_kk, their fts indexes and the search_articles(q) macro from
    articles_current. Inside the caller's transaction when there is one (it sees that
    transaction's own uncommitted changes and rolls back with it); otherwise in its own."""
    load_fts(con)
    if in_transaction(con):
        _run(con)
        return
    con.execute("BEGIN TRANSACTION")
    try:
        _run(con)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _run(con: duckdb.DuckDBPyConnection) -> None:
    for name in SEARCH_SCRIPTS:
        run_script(con, name)


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
