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


def kk_pattern() -> str:
    """newsetl.search.kazakh's strip step as one RE2 pattern: group 1 is the shortest stem of at
    least MIN_STEM letters holding a vowel that a chain follows to the word's end, so the chain
    stripped is the longest. A stem of two letters or more starting with a vowel holds one;
    otherwise a vowel comes later. Written for MIN_STEM = 2 (checked)."""
    if kazakh.MIN_STEM != 2:
        raise ValueError("the Kazakh pattern is written for a minimum stem of two letters")
    vowels = "[" + "".join(sorted(kazakh.VOWELS)) + "]"
    chains = "|".join(sorted(kazakh.SUFFIXES, key=lambda s: (-len(s), s)))
    if not all(ch.isalpha() for ch in chains.replace("|", "")):
        raise ValueError("a suffix chain must be letters only")
    return f"^({vowels}.+?|.+?{vowels}.*?)({chains})$"


def macros_sql() -> str:
    """sql/search/macros.sql with the tokeniser's tables written in."""
    if set(kazakh.FINAL_MAP) & set(kazakh.FINAL_MAP.values()):
        raise ValueError("a final-letter replacement must not be replaced in turn")
    final = f"coalesce(nullif(regexp_extract(w, {quote(kk_pattern())}, 1), ''), w)"
    for letter, replacement in sorted(kazakh.FINAL_MAP.items()):
        final = f"regexp_replace({final}, {quote(letter + '$')}, {quote(replacement)})"
    text = sql_file("search/macros.sql") + "\n" + sql_file("search/page.sql")
    return Template(text).substitute(
        kk_stem=final,
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
