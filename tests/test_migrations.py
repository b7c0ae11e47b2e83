"""Migrations upgrade an existing warehouse in place: a file built at schema version 1 (only
sql/migrations/001_core_tables.sql, by hand) with real rows gains the analyst views from 002,
keeps its data, and a second migrate does nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from newsetl import warehouse

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "warehouse_v1.sql"
CORE_TABLES = [
    "articles",
    "paragraphs",
    "quarantine",
    "source_objects",
    "ingest_runs",
    "dq_results",
]
VIEWS = [
    "articles_current",
    "articles_daily",
    "dq_latest",
    "dq_trend",
    "quarantine_open",
    "source_freshness",
]


def build_v1(db: Path) -> Path:
    """A warehouse file exactly as version 1 left it, holding the fixture's rows."""
    db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db))
    try:
        warehouse.run_script(con, "schema_migrations.sql")
        warehouse.run_script(con, "migrations/001_core_tables.sql")
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (1, '001_core_tables')")
        for statement in warehouse.statements(FIXTURE.read_text(encoding="utf-8")):
            con.execute(statement)
    finally:
        con.close()
    return db


def migration_files() -> list[tuple[int, str]]:
    return sorted(
        (int(path.name.split("_", 1)[0]), path.stem)
        for path in (warehouse.SQL_DIR / "migrations").glob("[0-9]*_*.sql")
    )


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CORE_TABLES}


def views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    return {row[0] for row in rows}


def versions(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
    ).fetchall()


@pytest.fixture
def v1_db(tmp_path: Path) -> Path:
    return build_v1(tmp_path / "news.duckdb")


def test_the_fixture_is_a_version_1_warehouse(v1_db: Path) -> None:
    with duckdb.connect(str(v1_db)) as con:
        assert [row[:2] for row in versions(con)] == [(1, "001_core_tables")]
        assert views(con) == set()
        assert counts(con) == {
            "articles": 7,
            "paragraphs": 47,
            "quarantine": 3,
            "source_objects": 10,
            "ingest_runs": 3,
            "dq_results": 18,
        }
        languages = dict(
            con.execute("SELECT language, count(*) FROM articles GROUP BY 1").fetchall()
        )
        assert languages == {"kk": 4, "ru": 3}


def test_migrate_upgrades_a_version_1_warehouse_in_place(v1_db: Path) -> None:
    con = duckdb.connect(str(v1_db))
    try:
        before = counts(con)
        articles_before = con.execute("SELECT * FROM articles ORDER BY key").fetchall()
        applied = warehouse.migrate(con)
        assert applied == [name for version, name in migration_files() if version > 1]
        assert "002_views" in applied
        assert [row[:2] for row in versions(con)] == migration_files()
        assert set(VIEWS) <= views(con)
        assert counts(con) == before
        assert con.execute("SELECT * FROM articles ORDER BY key").fetchall() == articles_before
        # The views read the rows that were there before the upgrade.
        assert con.execute("SELECT count(*) FROM articles_current").fetchone()[0] == 6
        assert con.execute("SELECT count(*) FROM quarantine_open").fetchone()[0] == 2
        for view in VIEWS:
            assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] > 0, view
    finally:
        con.close()


def test_migrate_is_idempotent_and_the_upgrade_persists(v1_db: Path) -> None:
    with duckdb.connect(str(v1_db)) as con:
        warehouse.migrate(con)
        recorded = versions(con)
        data = counts(con)
    with duckdb.connect(str(v1_db)) as con:
        assert set(VIEWS) <= views(con)
        assert warehouse.migrate(con) == []
        assert warehouse.migrate(con) == []
        assert versions(con) == recorded
        assert counts(con) == data


def test_a_new_warehouse_gets_every_migration() -> None:
    with duckdb.connect() as con:
        assert warehouse.migrate(con) == [name for _, name in migration_files()]
        assert set(VIEWS) <= views(con)
        for view in VIEWS:
            con.execute(f"SELECT * FROM {view}").fetchall()


def test_migration_numbers_are_unique() -> None:
    numbers = [version for version, _ in migration_files()]
    assert numbers[:2] == [1, 2]
    assert len(numbers) == len(set(numbers))


def test_a_failing_migration_leaves_the_warehouse_as_it_was(
    v1_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each migration is one transaction: a broken one after 002 leaves 002 applied (it
    committed first) and nothing of itself, and the data intact."""
    sql = tmp_path / "sql"
    (sql / "migrations").mkdir(parents=True)
    (sql / "schema_migrations.sql").write_text(warehouse.sql_file("schema_migrations.sql"))
    for _, name in migration_files():
        (sql / "migrations" / f"{name}.sql").write_text(
            warehouse.sql_file(f"migrations/{name}.sql")
        )
    (sql / "migrations" / "999_broken.sql").write_text(
        "CREATE VIEW half_done AS SELECT 1 AS x;\nSELECT * FROM no_such_table;\n"
    )
    monkeypatch.setattr(warehouse, "SQL_DIR", sql)
    with duckdb.connect(str(v1_db)) as con:
        before = counts(con)
        with pytest.raises(duckdb.CatalogException):
            warehouse.migrate(con)
        assert 999 not in [row[0] for row in versions(con)]
        assert "half_done" not in views(con)
        assert set(VIEWS) <= views(con)
        assert counts(con) == before
