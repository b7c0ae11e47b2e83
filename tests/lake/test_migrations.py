"""The lake's schema: migrations create it, each in one transaction, and `newsetl
migrate-warehouse` moves a warehouse file of the previous version into a new lake, losing
nothing (every table's rows, quarantine bytes, run history) and indexing it for search."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from newsetl.common import sqlfiles
from newsetl.common.catalog import Catalog, WarehouseError
from newsetl.common.settings import Settings
from newsetl.lake import connection, migrations
from newsetl.lake.upgrade import migrate_duckdb_warehouse
from tests.conftest import ROOT, table

FIXTURES = ROOT / "tests" / "fixtures"
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
    "sources",
    "stories",
    "entity_mentions_dated",
    "entity_weekly",
    "stories_one_language",
    "people_together",
]
# Written by the enrichment (newsetl.enrich), not by a run.
ENRICH_TABLES = [
    "entities",
    "entity_mentions",
    "story_articles",
    "story_links",
    "near_duplicates",
    "enrich_runs",
]


def build_v1(db: Path) -> Path:
    """A DuckDB warehouse file exactly as version 1 left it, holding the fixture's rows."""
    db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db)) as con:
        con.execute((FIXTURES / "warehouse_v1_schema.sql").read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (1, '001_core_tables')")
        con.execute((FIXTURES / "warehouse_v1.sql").read_text(encoding="utf-8"))
    return db


def build_lake(tmp: Path) -> Path:
    """A lake moved from the version 1 fixture: the shared test warehouse of the SQL tests."""
    lake = tmp / "news.sqlite"
    migrate_duckdb_warehouse(build_v1(tmp / "old.duckdb"), Settings(db=str(lake)))
    return lake


def migration_files() -> list[tuple[int, str]]:
    return sorted(
        (int(path.name.split("_", 1)[0]), path.stem)
        for path in (sqlfiles.SQL_DIR / "migrations").glob("[0-9]*_*.sql")
    )


def open_lake(db: Path) -> duckdb.DuckDBPyConnection:
    return connection.connect(Catalog.parse(db))


def objects(con: duckdb.DuckDBPyConnection, kind: str) -> set[tuple[str, str]]:
    rows = con.execute(
        f"SELECT schema_name, {kind}_name FROM duckdb_{kind}s() WHERE database_name = 'news'"
    ).fetchall()
    return set(rows)


def test_a_new_lake_gets_every_migration(tmp_path: Path) -> None:
    con = open_lake(tmp_path / "news.sqlite")
    try:
        assert migrations.prepare(con) == [name for _, name in migration_files()]
        applied = con.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
        assert applied == migration_files()
        documented = [*CORE_TABLES, *ENRICH_TABLES, "unread_objects", "schema_migrations"]
        assert {("main", t) for t in documented} == {
            o for o in objects(con, "table") if o[0] == "main"
        }
        assert {("main", v) for v in VIEWS} == objects(con, "view")
        for view in VIEWS:
            con.execute(f"SELECT * FROM {view}").fetchall()
        # Search internals live in their own schema, not beside the documented tables.
        internal = {name for schema, name in objects(con, "table") if schema != "main"}
        assert {"search_postings", "search_docs", "search_meta", "enrich_signatures"} <= internal
        assert con.execute("SELECT count(*) FROM search_articles('министр')").fetchone() == (0,)
    finally:
        con.close()
    assert (tmp_path / "news.files").is_dir()  # the data path beside the catalog


def test_migrating_again_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "news.sqlite"
    con = open_lake(db)
    try:
        migrations.prepare(con)
        snapshots = con.execute("SELECT count(*) FROM ducklake_snapshots('news')").fetchone()
    finally:
        con.close()
    con = open_lake(db)
    try:
        assert migrations.prepare(con) == []
        assert con.execute("SELECT count(*) FROM ducklake_snapshots('news')").fetchone() == (
            snapshots
        )
    finally:
        con.close()


def test_signatures_an_older_lake_kept_read_back_as_the_enrichment_now_writes_them(
    tmp_path: Path,
) -> None:
    """Migration 012 packs a stored signature's 64 full hashes into the 16-bit slots a new
    enrichment writes: the same text gives the same slots whichever wrote them."""
    import rensa

    from newsetl.enrich import duplicates
    from newsetl.enrich.fold import WORD

    body = "Мемлекет басшысы Қасым-Жомарт Тоқаев Астанада Қазақстан халқына Жолдау жариялады"
    words = [w.lower() for w in WORD.findall(body)]
    hasher = rensa.RMinHash(num_perm=duplicates.NUM_PERM, seed=duplicates.SEED)
    hasher.update([" ".join(words[i : i + 3]) for i in range(len(words) - 2)])
    full = [int(x) for x in hasher.digest()]
    assert max(full) > 0xFFFF  # the older lakes' values, wider than a slot
    con = open_lake(tmp_path / "news.sqlite")
    try:
        migrations.prepare(con)
        # The lake as it was before migration 012, holding two signatures.
        table = "newsetl_internal.enrich_signatures"
        con.execute(f"ALTER TABLE {table} DROP COLUMN minhash")
        con.execute(f"ALTER TABLE {table} ADD COLUMN minhash UBIGINT[]")
        con.execute(
            f"INSERT INTO {table} BY NAME SELECT * FROM (VALUES "
            "('a.txt', 'kk', DATE '2024-01-10', 'a.txt', [], [], [], ?::UBIGINT[]), "
            "('b.txt', 'kk', DATE '2024-01-10', 'b.txt', [], [], [], []::UBIGINT[])) "
            "AS t(key, language, published_date, story_id, entities, numbers, prefix_codes, "
            "minhash)",
            [full],
        )
        con.execute("DELETE FROM schema_migrations WHERE version = 12")
        assert migrations.migrate(con) == ["012_minhash_slots"]
        stored = con.execute(f"SELECT key, minhash FROM {table} ORDER BY key").pl()
    finally:
        con.close()
    assert stored["minhash"].to_list()[0] == duplicates.packed(duplicates.minhash(body))
    slots, empty = duplicates.minhash_rows(stored["minhash"])
    assert list(slots) == duplicates.minhash(body) == [x & 0xFFFF for x in full]
    assert list(empty) == []


def test_migration_numbers_are_unique() -> None:
    numbers = [version for version, _ in migration_files()]
    assert numbers[:3] == [1, 2, 3]
    assert len(numbers) == len(set(numbers))


def test_a_failing_migration_leaves_the_lake_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each migration is one transaction: a broken one after the others leaves them applied and
    nothing of itself."""
    real = [version for version, _ in migration_files()]
    sql = tmp_path / "sql"
    (sql / "migrations").mkdir(parents=True)
    for name in ("schema_migrations.sql", "search/macros.sql"):
        (sql / name).parent.mkdir(parents=True, exist_ok=True)
        (sql / name).write_text(sqlfiles.sql_file(name), encoding="utf-8")
    for _, name in migration_files():
        (sql / "migrations" / f"{name}.sql").write_text(
            sqlfiles.sql_file(f"migrations/{name}.sql"), encoding="utf-8"
        )
    (sql / "migrations" / "999_broken.sql").write_text(
        "CREATE VIEW half_done AS SELECT 1 AS x;\nSELECT * FROM no_such_table;\n"
    )
    monkeypatch.setattr(sqlfiles, "SQL_DIR", sql)
    con = open_lake(tmp_path / "news.sqlite")
    try:
        with pytest.raises(duckdb.CatalogException):
            migrations.migrate(con)
        versions = [
            row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()
        ]
        assert sorted(versions) == real
        assert ("main", "half_done") not in objects(con, "view")
    finally:
        con.close()


def test_migrate_warehouse_moves_everything(tmp_path: Path) -> None:
    old = build_v1(tmp_path / "old.duckdb")
    lake = tmp_path / "lake" / "news.sqlite"
    counts = migrate_duckdb_warehouse(old, Settings(db=str(lake)))
    with duckdb.connect(str(old), read_only=True) as con:
        before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CORE_TABLES}
        old_rows = {
            "articles": con.execute(
                "SELECT * EXCLUDE (loaded_at, deleted_at) FROM articles ORDER BY key"
            ).fetchall(),
            "raw": con.execute("SELECT key, raw FROM quarantine ORDER BY key").fetchall(),
            "runs": con.execute("SELECT * FROM ingest_runs ORDER BY run_id").fetchall(),
            "paragraphs": con.execute("SELECT * FROM paragraphs ORDER BY key, position").fetchall(),
        }
    assert before == {
        "articles": 7,
        "paragraphs": 47,
        "quarantine": 3,
        "source_objects": 10,
        "ingest_runs": 3,
        "dq_results": 18,
    }
    assert {t: counts[t] for t in CORE_TABLES} == before
    after = {t: table(lake, f"SELECT count(*) FROM {t}")[0][0] for t in CORE_TABLES}
    assert after == before
    new_articles = table(
        lake,
        "SELECT * EXCLUDE (loaded_at, deleted_at, published_at, author, layout, frame_lines, "
        "unknown_lines) FROM articles ORDER BY key",
    )
    assert new_articles == old_rows["articles"]  # the new columns stay NULL
    assert table(lake, "SELECT key, raw FROM quarantine ORDER BY key") == old_rows["raw"]
    assert (
        table(lake, "SELECT * EXCLUDE (snapshot_id, unread) FROM ingest_runs ORDER BY run_id")
        == (old_rows["runs"])
    )
    assert table(lake, "SELECT * FROM paragraphs ORDER BY key, position") == old_rows["paragraphs"]
    # Each object keeps the source of the run that last saw it.
    assert table(lake, "SELECT DISTINCT source FROM source_objects") == [("s3://news/incoming/",)]
    # Search covers the current articles at once: 6 of the 7 (one was deleted from the source).
    assert counts["search_docs"] == 6
    assert table(lake, "SELECT count(*) FROM search_articles('Әшімбаев')") == [(1,)]
    # The whole move is one snapshot, named for where it came from.
    last = table(lake, "SELECT commit_message FROM ducklake_snapshots('news') ORDER BY snapshot_id")
    assert last[-1] == ("migrated from old.duckdb",)


def test_migrate_warehouse_refuses_a_lake_that_holds_runs(tmp_path: Path) -> None:
    old = build_v1(tmp_path / "old.duckdb")
    lake = tmp_path / "news.sqlite"
    migrate_duckdb_warehouse(old, Settings(db=str(lake)))
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("newsetl")),
            "migrate-warehouse",
            str(old),
            "--db",
            str(lake),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "already holds runs" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert table(lake, "SELECT count(*) FROM articles") == [(7,)]


def test_an_old_warehouse_file_as_db_says_how_to_move_it(tmp_path: Path) -> None:
    old = build_v1(tmp_path / "news.duckdb")
    with pytest.raises(WarehouseError, match="newsetl migrate-warehouse"):
        Catalog.parse(old)


def test_stored_prefixes_become_the_codes_linking_computes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lake enriched before 009_prefix_codes kept word prefixes as strings: the migration
    turns each into the integer newsetl.enrich.fold.prefix_code gives the same prefix, so old
    and new signatures keep linking."""
    from newsetl.enrich.fold import fold, prefix_code

    words = [
        "Тоқаевтың",
        "Инфляция",
        "вакцинациялау",
        "Astana",
        "аль-Фараби",
        "ах‐ах",
        "東京都庁舎",
    ]
    stored = sorted({fold(w)[:5] for w in words} | {"ә", "a", "𝔘𝔫𝔦", "東京", "大阪"})
    sql = tmp_path / "sql"
    (sql / "migrations").mkdir(parents=True)
    (sql / "schema_migrations.sql").write_text(sqlfiles.sql_file("schema_migrations.sql"))
    for version, name in migration_files():
        if version < 9:
            (sql / "migrations" / f"{name}.sql").write_text(
                sqlfiles.sql_file(f"migrations/{name}.sql"), encoding="utf-8"
            )
    real_sql = sqlfiles.SQL_DIR
    monkeypatch.setattr(sqlfiles, "SQL_DIR", sql)
    con = open_lake(tmp_path / "news.sqlite")
    try:
        migrations.migrate(con)
        con.execute(
            "INSERT INTO newsetl_internal.enrich_signatures VALUES "
            "('a.txt', 'kk', DATE '2024-01-02', 'a.txt', [], [], ?, [1, 2])",
            [stored],
        )
        monkeypatch.setattr(sqlfiles, "SQL_DIR", real_sql)
        assert "009_prefix_codes" in migrations.migrate(con)
        (codes,) = con.execute(
            "SELECT prefix_codes FROM newsetl_internal.enrich_signatures"
        ).fetchone()
    finally:
        con.close()
    assert codes == [prefix_code(p) for p in stored]
    assert len(set(codes)) == len(stored) - 1  # two letters past U+0FFE share one value
