"""An analyst keeps a session open on the warehouse all day; scheduled runs still succeed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from newsetl.snapshot import snapshot_path
from tests.conftest import SAMPLE, table

READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    count = lambda: con.execute("SELECT count(*) FROM articles_current").fetchone()[0]
    print(count(), flush=True)
    sys.stdin.readline()          # hold the session open until the run is over
    print(count(), flush=True)
    con.close()                   # reconnecting (DuckDB shares one open file per process)
    fresh = duckdb.connect(sys.argv[1], read_only=True)
    print(fresh.execute("SELECT count(*) FROM articles_current").fetchone()[0], flush=True)
    """
)


def test_reader_session_open_across_a_whole_run(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.duckdb"
    run_flow(bucket, db)
    snap = snapshot_path(db)
    assert snap.is_file() and snap != db

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snap)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "5"
        s3.put_object(
            Bucket=bucket,
            Key="incoming/extra/006.txt",
            Body=(SAMPLE / "003_5c9351a6b67bfa3b.txt").read_bytes() + "Қосымша жол.\n".encode(),
        )
        summary = run_flow(bucket, db)  # the writer is not blocked by the open reader
        assert (summary.new, summary.loaded) == (1, 1)
        out, _ = reader.communicate("\n", timeout=60)
    finally:
        reader.kill()
    after_in_same_session, new_session = (int(x) for x in out.split())
    assert reader.returncode == 0
    assert after_in_same_session == 5  # the old state, whole
    assert new_session == 6  # reconnecting shows the new state
    assert table(snap, "SELECT count(*) FROM articles_current") == [(6,)]
    assert table(snap, "SELECT count(*) FROM search_articles('Әшімбаев')")[0][0] == 2
