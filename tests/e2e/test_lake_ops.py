"""What the lake gives analysts and operators: time travel by run, `newsetl sql`, and
`newsetl maintain`, each against real catalogs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import newsetl
from newsetl.common import sqlfiles
from newsetl.common.catalog import WarehouseError
from tests.conftest import SAMPLE, snapshot, table
from tests.lake.test_migrations import build_lake

NEWSETL = str(Path(sys.executable).with_name("newsetl"))


def newsetl_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSETL, *args], input=stdin, capture_output=True, text=True, timeout=180
    )


def test_each_run_is_one_snapshot_and_can_be_read_as_of_it(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    first = run_flow(bucket, db)
    s3.put_object(
        Bucket=bucket,
        Key="incoming/009_extra.txt",
        Body=(SAMPLE / "004_7354ca18adfe16e0.txt").read_bytes().replace("МИД".encode(), b"MFA"),
    )
    s3.delete_object(Bucket=bucket, Key="incoming/000_87f847a6d181454e.txt")
    second = run_flow(bucket, db, allow_deletes=True)
    assert second.snapshot_id > first.snapshot_id
    recorded = table(db, "SELECT run_id, snapshot_id FROM ingest_runs ORDER BY snapshot_id")
    assert recorded == [(first.run_id, first.snapshot_id), (second.run_id, second.snapshot_id)]
    messages = dict(table(db, "SELECT snapshot_id, commit_message FROM ducklake_snapshots('news')"))
    assert messages[second.snapshot_id] == f"ingest run {second.run_id}"

    then = newsetl.connect(str(db), as_of_run=first.run_id)
    try:
        assert then.execute("SELECT count(*) FROM articles_current").fetchone() == (5,)
        assert then.execute("SELECT count(*) FROM ingest_runs").fetchone() == (1,)
        assert then.execute("SELECT count(*) FROM search_articles('MFA')").fetchone() == (0,)
        with pytest.raises(duckdb.Error):
            then.execute("DELETE FROM articles")  # an older state is read-only
    finally:
        then.close()
    assert table(db, "SELECT count(*) FROM articles_current") == [(5,)]  # +1 new, -1 deleted
    assert table(db, "SELECT count(*) FROM search_articles('MFA')") == [(1,)]

    changes = table(
        db,
        sqlfiles.sql_file("time_travel/articles_changed_between_runs.sql"),
        {"from_snapshot": first.snapshot_id, "to_snapshot": second.snapshot_id},
    )
    kinds = {(kind, key) for kind, key, _, _ in changes}
    assert ("insert", "incoming/009_extra.txt") in kinds
    assert ("update_postimage", "incoming/000_87f847a6d181454e.txt") in kinds or (
        "insert",
        "incoming/000_87f847a6d181454e.txt",
    ) in kinds  # deleted_at set: the row is written again
    with pytest.raises(WarehouseError, match="no run nope"):
        newsetl.connect(str(db), as_of_run="nope")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_lake(tmp_path_factory.mktemp("lake"))


def test_sql_runs_one_statement_in_each_format(lake: Path) -> None:
    query = "SELECT key, title FROM search_articles('сенатор')"
    as_json = newsetl_cli("sql", "--db", str(lake), "-c", query, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert [row["key"] for row in rows] == ["incoming/003_5c9351a6b67bfa3b.txt"]
    assert rows[0]["title"] == "Мәулен Әшімбаев АҚШ Конгресі сенаторымен кездесті"
    as_csv = newsetl_cli("sql", "--db", str(lake), "-c", query, "--format", "csv")
    assert as_csv.stdout.splitlines()[0] == "key,title"
    as_table = newsetl_cli("sql", "--db", str(lake), "-c", "SELECT '[bold]x[/]' AS k")
    assert "[bold]x[/]" in as_table.stdout  # shown as it is, never as markup


def test_sql_is_read_only_and_errors_are_one_line(lake: Path) -> None:
    before = snapshot(lake)
    result = newsetl_cli("sql", "--db", str(lake), "-c", "DELETE FROM articles")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("newsetl: query failed")
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(lake) == before
    missing = newsetl_cli("sql", "--db", str(lake.with_name("absent.sqlite")), "-c", "SELECT 1")
    assert missing.returncode == 1 and "warehouse not found" in missing.stderr


def test_sql_without_a_command_opens_the_duckdb_shell_on_the_lake(lake: Path) -> None:
    shell = newsetl_cli(
        "sql", "--db", str(lake), stdin="SELECT count(*) AS n FROM search_articles('Доха');\n"
    )
    assert shell.returncode == 0, shell.stderr
    assert "│ 1 │" in shell.stdout.replace(" ", "").replace("││", "│") or "1" in shell.stdout
    assert not list(Path("/tmp").glob("newsetl-sql-*.sql"))  # the init file is gone


def test_maintain_merges_expires_and_keeps_the_data(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    run_flow(bucket, db)
    for n in range(2):  # small hourly runs, each leaving small files
        body = (SAMPLE / "003_5c9351a6b67bfa3b.txt").read_bytes() + f"Жаңалық {n}.\n".encode()
        s3.put_object(Bucket=bucket, Key=f"incoming/hourly/{n}.txt", Body=body)
        run_flow(bucket, db)
    before = snapshot(db)
    reader = newsetl.connect(str(db))
    reader.execute("BEGIN TRANSACTION")
    assert reader.execute("SELECT count(*) FROM articles").fetchone() == (7,)
    done = newsetl_cli("maintain", "--db", str(db), "--retention-days", "0")
    assert done.returncode == 0, done.stderr
    # The reader attached during maintenance still reads its snapshot, whole.
    assert reader.execute("SELECT count(*) FROM search_articles('Жаңалық')").fetchone() == (2,)
    reader.execute("COMMIT")
    reader.close()
    assert snapshot(db) == before
    assert table(db, "SELECT count(*) FROM ducklake_snapshots('news')") == [(1,)]
    assert "snapshots_after" in done.stdout
    again = newsetl_cli("maintain", "--db", str(db))
    assert again.returncode == 0
    assert snapshot(db) == before
