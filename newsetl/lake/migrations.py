"""The lake's migrations (sql/migrations/): applied in order, each once, in one transaction."""

from __future__ import annotations

import re

import duckdb

from newsetl.common import sqlfiles
from newsetl.common.sqlfiles import run_script
from newsetl.lake.commit import COMMIT_ATTEMPTS, commit_message, retry_or_raise, transaction

_MIGRATION_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")


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
            retry_or_raise(exc, attempt, con)
    done: list[str] = []
    applied = _applied(con)  # read again only after losing a race: each read costs a query
    for path in sorted((sqlfiles.SQL_DIR / "migrations").glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            continue
        version = int(match.group(1))
        for attempt in range(COMMIT_ATTEMPTS):
            if version in applied:
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
                applied.add(version)
                break
            except duckdb.Error as exc:
                retry_or_raise(exc, attempt, con)
                applied = _applied(con)
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
            retry_or_raise(exc, attempt, con)
    return done


def _applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def unfinished(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the lake still lacks some of its migrations (a first run is creating it)."""
    try:
        applied = _applied(con)
    except duckdb.Error:  # no schema_migrations yet
        return True
    versions = {
        int(match.group(1))
        for path in (sqlfiles.SQL_DIR / "migrations").glob("*.sql")
        if (match := _MIGRATION_NAME.match(path.name))
    }
    return not versions <= applied
