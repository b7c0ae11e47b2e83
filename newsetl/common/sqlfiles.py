"""The SQL in `sql/`: read a file by its name, run a script whole, quote a literal."""

from __future__ import annotations

import duckdb

from newsetl.common.settings import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
# The names the SQL files use: the lake attached as `news`, internal objects in their own schema.
ALIAS = "news"
INTERNAL = "newsetl_internal"


def sql_file(name: str) -> str:
    """The text of a SQL file under sql/, by its relative name (e.g. `load/merge.sql`)."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_script(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Run a SQL file: DuckDB executes a multi-statement script itself."""
    con.execute(sql_file(name))


def quote(value: str) -> str:
    """A SQL string literal, for the few statements that take no parameters (ATTACH, SECRET)."""
    return "'" + value.replace("'", "''") + "'"
