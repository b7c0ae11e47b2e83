"""The query side of search in the lake: its macros, with the stopwords and the Kazakh suffix
tables written into them, installed once and again whenever what they are built from changes."""

from __future__ import annotations

import hashlib
from string import Template

import duckdb

from newsetl.common.sqlfiles import INTERNAL, quote, sql_file
from newsetl.search import kazakh
from newsetl.search.tokens import STOPWORDS


def _literal(words) -> str:
    return "[" + ", ".join(quote(w) for w in sorted(words)) + "]"


def macros_sql() -> str:
    """sql/search/macros.sql with the tokeniser's tables written in."""
    if set(kazakh.FINAL_MAP) & set(kazakh.FINAL_MAP.values()):
        raise ValueError("a final-letter replacement must not be replaced in turn")
    final = "r"
    for letter, replacement in sorted(kazakh.FINAL_MAP.items()):
        final = f"regexp_replace({final}, {quote(letter + '$')}, {quote(replacement)})"
    return Template(sql_file("search/macros.sql")).substitute(
        suffixes=_literal(kazakh.SUFFIXES),
        max_suffix=kazakh.MAX_SUFFIX_LEN,
        min_stem=kazakh.MIN_STEM,
        vowels="[" + "".join(sorted(kazakh.VOWELS)) + "]",
        final=final,
        stopwords_ru=_literal(STOPWORDS["ru"]),
        stopwords_kk=_literal(STOPWORDS["kk"]),
    )


def fingerprint() -> str:
    """What the query side was built from: installed again when this changes."""
    return hashlib.sha256(macros_sql().encode()).hexdigest()


def installed(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(f"SELECT max(fingerprint) FROM {INTERNAL}.search_meta").fetchone()
    return bool(row and row[0] == fingerprint())


def install(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the query macros; the caller holds a transaction."""
    con.execute(macros_sql())
    con.execute(f"DELETE FROM {INTERNAL}.search_meta")
    con.execute(f"INSERT INTO {INTERNAL}.search_meta VALUES (?)", [fingerprint()])
