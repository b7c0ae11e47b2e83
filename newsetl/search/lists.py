"""The lists of common terms that let a first page of search read a few thousand rows whatever
the size of the archive (sql/migrations/010_search_lists.sql, sql/search/page.sql): what a run
adds to them, when `newsetl maintain` cuts them, and how long they are.

Runs only insert (their counts, and their postings above a list's bound); `newsetl maintain`
cuts lists and folds the counts, with deletes, so a run committing beside it conflicts and is
tried again (DuckLake's check, table by table): no run can add postings a list it did not see
should hold."""

from __future__ import annotations

import duckdb

from newsetl.common.sqlfiles import run_script

# A term is listed once this many articles hold it (a term with fewer is read whole: at most
# this many postings), with its best postings down to the LIST_SIZE-th (and any tied with it).
LIST_MIN_DF = 5_000
LIST_SIZE = 1_000


def use(con: duckdb.DuckDBPyConnection) -> None:
    """The list settings, as the SQL scripts read them (DuckDB variables of this connection)."""
    con.execute("SET VARIABLE search_list_size = ?", [LIST_SIZE])
    con.execute("SET VARIABLE search_list_min_df = ?", [LIST_MIN_DF])


def start_run(con: duckdb.DuckDBPyConnection) -> None:
    """Before a run's first batch of postings (sql/load/count_postings.sql)."""
    use(con)
    exist = con.execute("SELECT count(*) > 0 FROM newsetl_internal.search_lists").fetchone()[0]
    con.execute("SET VARIABLE search_lists_exist = ?", [bool(exist)])


def add_batch(con: duckdb.DuckDBPyConnection, counted: bool = False) -> None:
    """After a batch of postings is inserted from `chunk_postings`: its postings at or above a
    list's bound to the list, and its counts unless the run adds them whole (`counted`,
    sql/load/count_terms.sql)."""
    if not counted:
        run_script(con, "load/count_postings.sql")
    if con.execute("SELECT getvariable('search_lists_exist')").fetchone()[0]:
        run_script(con, "load/list_postings.sql")


def maintain(con: duckdb.DuckDBPyConnection) -> int:
    """Cut the lists that are missing, untrusted, overgrown or cut at a stale average length, and
    fold the counts; in the caller's transaction. Returns how many terms were listed again."""
    use(con)
    run_script(con, "search/maintain_lists.sql")
    listed = int(con.execute("SELECT count(*) FROM listing").fetchone()[0])
    if listed:
        run_script(con, "search/build_lists.sql")
    run_script(con, "search/fold_counts.sql")
    return listed
