"""A reader's transaction across a run and `newsetl maintain --retention-days 0`: it keeps the
state it began with, whole (no new article count beside the old run count, no empty tables),
every file of that state stays on disk through the grace period, and its next transaction sees
the new state."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import table
from tests.e2e.faults.conftest import Warehouse, article, put

pytestmark = pytest.mark.slow  # runs the flow and the CLI

STATE = (
    "SELECT (SELECT count(*) FROM articles), (SELECT count(DISTINCT key) FROM articles), "
    "(SELECT sum(length(title)) FROM articles), (SELECT count(*) FROM paragraphs), "
    "(SELECT count(*) FROM ingest_runs), (SELECT max(run_id) FROM ingest_runs)"
)

# A reader in a process of its own, as an analyst's notebook: BEGIN, then one table read (which
# fixes the snapshot), then, when told, the whole state in the same transaction and after it.
READER = textwrap.dedent(
    """
    import json, sys
    import newsetl
    con = newsetl.connect(sys.argv[1], read_only=True)
    con.execute("BEGIN TRANSACTION")
    print(json.dumps(con.execute("SELECT count(*) FROM articles").fetchone()), flush=True)
    sys.stdin.readline()
    try:
        same = con.execute(sys.argv[2]).fetchone()
    except Exception as exc:
        same = [type(exc).__name__ + ": " + str(exc).splitlines()[0]]
    print(json.dumps(same), flush=True)
    con.execute("COMMIT")
    print(json.dumps(con.execute(sys.argv[2]).fetchone()), flush=True)
    """
)


def state(db: Path) -> list:
    return json.loads(json.dumps(table(db, STATE)[0]))


def data_files(lake: Warehouse) -> set[Path]:
    return set(lake.dir.joinpath("news.files").rglob("*.parquet"))


def test_a_reader_keeps_its_snapshot_across_a_run_and_maintain(
    newsetl, run_flow, make_bucket, s3, moto, lake: Warehouse
) -> None:
    bucket = make_bucket(4)
    run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))
    for i in range(4, 6):  # an hourly run: more small files and snapshots to maintain
        put(s3, bucket, f"incoming/{i:03d}.txt", article(i))
    run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))
    before, files_before = state(lake.db), data_files(lake)
    snapshots_before = table(lake.db, "SELECT count(*) FROM ducklake_snapshots('news')")[0][0]

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(lake.db), STATE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = reader.stdout.readline()
        assert first, reader.communicate(timeout=30)[1]
        assert json.loads(first) == [before[0]]
        for i in range(6, 9):
            put(s3, bucket, f"incoming/{i:03d}.txt", article(i))
        summary = run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))
        assert summary.loaded == 3
        done = newsetl("maintain", "--db", str(lake.db), "--retention-days", "0")
        assert done.code == 0, done
        after = state(lake.db)
        still_there = files_before & data_files(lake)
        out, err = reader.communicate("\n", timeout=120)
    finally:
        reader.kill()
    assert reader.returncode == 0, err
    same_transaction, next_transaction = (json.loads(line) for line in out.splitlines())

    snapshots_after = table(lake.db, "SELECT count(*) FROM ducklake_snapshots('news')")[0][0]
    assert snapshots_after < snapshots_before  # maintenance expired the old snapshots
    assert after[0] == before[0] + 3 and after[4] == before[4] + 1
    assert still_there == files_before  # dropped files wait out the grace period
    assert same_transaction == before  # the state it began with, whole
    assert next_transaction == after
