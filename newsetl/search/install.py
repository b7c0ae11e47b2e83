"""The query side of search in the lake: its tables (stopwords, Kazakh suffix chains) and macros,
installed once and again whenever what they are built from changes."""

from __future__ import annotations

import hashlib
import json

import duckdb
import polars as pl

from newsetl.search import kazakh
from newsetl.search.tokens import STOPWORDS
from newsetl.warehouse import INTERNAL, sql_file


def _tables() -> dict[str, list[tuple]]:
    return {
        "search_stopwords": sorted((lang, w) for lang, ws in STOPWORDS.items() for w in ws),
        "kk_suffixes": [tuple(row) for row in kazakh.suffix_rows()],
        "kk_final": sorted(kazakh.FINAL_MAP.items()),
        "kk_params": [(kazakh.MIN_STEM, "[" + "".join(sorted(kazakh.VOWELS)) + "]")],
    }


def fingerprint() -> str:
    """What the query side was built from: re-installed when this changes."""
    payload = json.dumps([_tables(), sql_file("search/macros.sql")], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def installed(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(f"SELECT max(fingerprint) FROM {INTERNAL}.search_meta").fetchone()
    return bool(row and row[0] == fingerprint())


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Fill the query side's tables and (re)create the macros; the caller holds a transaction."""
    for table, rows in {**_tables(), "search_meta": [(fingerprint(),)]}.items():
        con.execute(f"DELETE FROM {INTERNAL}.{table}")
        if rows:
            con.register("search_rows", pl.DataFrame(rows, orient="row").to_arrow())
            try:
                con.execute(f"INSERT INTO {INTERNAL}.{table} SELECT * FROM search_rows")
            finally:
                con.unregister("search_rows")
    con.execute(sql_file("search/macros.sql"))
