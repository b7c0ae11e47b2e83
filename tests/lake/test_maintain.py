"""Maintenance honours its time limits on a SQLite catalog: a file dropped less than the grace
period ago stays on disk, and a snapshot younger than the retention stays, whatever UTC offset
the catalog stored their times in. The catalog is backdated from another process, as another
writer would leave it (two SQLite libraries in one process do not see each other's locks)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb

from newsetl.common.catalog import Catalog
from newsetl.lake import connection
from newsetl.lake.maintain import maintain

EDIT = (
    "import json, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
    "print(json.dumps(c.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()))"
)


def catalog_sql(db: Path, sql: str, *params: object) -> list[list]:
    """One statement on the SQLite catalog, run by another process."""
    done = subprocess.run(
        [sys.executable, "-c", EDIT, str(db), sql, json.dumps(params)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def stored(moment: datetime, offset_hours: int) -> str:
    """A time as DuckLake writes it on a SQLite catalog, in a writer's UTC offset."""
    local = moment.astimezone(timezone(timedelta(hours=offset_hours)))
    return local.strftime("%Y-%m-%d %H:%M:%S.%f") + f"{offset_hours:+03d}"


def small_lake(tmp: Path, commits: int) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """A lake of one table written by `commits` commits, a data file each."""
    db = tmp / "news.sqlite"
    con = connection.connect(Catalog.parse(db))
    con.execute("CREATE TABLE notes (id INTEGER, body VARCHAR)")
    for i in range(commits):
        con.execute(
            "INSERT INTO notes SELECT range, 'Жаңалық ' || range FROM range(?, ?)",
            [i * 200, (i + 1) * 200],
        )
    return db, con


def files_on_disk(db: Path) -> set[str]:
    return {path.name for path in db.with_name("news.files").rglob("*.parquet")}


def test_files_dropped_inside_the_grace_period_stay_whatever_the_offset(tmp_path: Path) -> None:
    db, con = small_lake(tmp_path, 5)
    con.execute("CALL ducklake_merge_adjacent_files('news')").fetchall()
    con.close()
    dropped = catalog_sql(
        db, "SELECT data_file_id, path FROM ducklake_files_scheduled_for_deletion ORDER BY 1"
    )
    assert len(dropped) == 5
    now = datetime.now(UTC)
    ages = {  # name: (how long ago it was dropped, the writer's UTC offset)
        "10 min, UTC": (timedelta(minutes=10), 0),
        "10 min, +05": (timedelta(minutes=10), 5),
        "50 min, -11": (timedelta(minutes=50), -11),
        "59 min, -05": (timedelta(minutes=59), -5),
        "3 days, +05": (timedelta(days=3), 5),
    }
    name_of = {}
    for (name, (age, offset)), (file_id, path) in zip(ages.items(), dropped, strict=True):
        catalog_sql(
            db,
            "UPDATE ducklake_files_scheduled_for_deletion SET schedule_start = ? "
            "WHERE data_file_id = ?",
            stored(now - age, offset),
            file_id,
        )
        name_of[Path(path).name] = name
    assert set(name_of) <= files_on_disk(db)

    con = connection.connect(Catalog.parse(db))
    try:
        done = maintain(con, retention_days=30)
        rows = con.execute("SELECT count(*), sum(id) FROM notes").fetchone()
    finally:
        con.close()
    kept = {name_of[name] for name in files_on_disk(db) if name in name_of}
    assert kept == {name for name, (age, _) in ages.items() if age < timedelta(hours=1)}
    assert done.deleted_files == 1
    assert rows == (1000, sum(range(1000)))


def test_snapshots_younger_than_the_retention_stay(tmp_path: Path) -> None:
    db, con = small_lake(tmp_path, 4)
    ids = [
        row[0]
        for row in con.execute(
            "SELECT snapshot_id FROM ducklake_snapshots('news') ORDER BY 1"
        ).fetchall()
    ]
    con.close()
    now = datetime.now(UTC)
    backdated = {  # snapshot id: (age, the writer's UTC offset)
        ids[1]: (timedelta(days=30, hours=2), 0),  # past the retention
        ids[2]: (timedelta(days=30) - timedelta(hours=1), -11),  # an hour inside it
        ids[3]: (timedelta(days=29), 5),
    }
    for snapshot_id, (age, offset) in backdated.items():
        catalog_sql(
            db,
            "UPDATE ducklake_snapshot SET snapshot_time = ? WHERE snapshot_id = ?",
            stored(now - age, offset),
            snapshot_id,
        )
    con = connection.connect(Catalog.parse(db))
    try:
        done = maintain(con, retention_days=30)
        left = {
            row[0]
            for row in con.execute("SELECT snapshot_id FROM ducklake_snapshots('news')").fetchall()
        }
        assert con.execute("SELECT count(*) FROM notes").fetchone() == (800,)
    finally:
        con.close()
    assert ids[1] not in left
    assert set(ids) - {ids[1]} <= left  # the rest, and what maintenance itself committed
    assert done.expired == 1
