"""Analysts keep sessions open on the lake all day; scheduled runs still succeed, and a reader
never sees half a run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import SAMPLE, table

READER = textwrap.dedent(
    """
    import sys
    import newsetl
    con = newsetl.connect(sys.argv[1])
    count = lambda: con.execute("SELECT count(*) FROM articles_current").fetchone()[0]
    con.execute("BEGIN TRANSACTION")   # one consistent view for the whole session
    print(count(), flush=True)
    sys.stdin.readline()               # hold it open until the run is over
    print(count(), flush=True)
    con.execute("COMMIT")
    print(count(), flush=True)         # a new transaction sees the new run
    hits = con.execute("SELECT count(*) FROM search_articles('Әшімбаев')").fetchone()[0]
    print(hits, flush=True)
    """
)


def test_reader_session_open_across_a_whole_run(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    run_flow(bucket, db)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db)],
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
    same_transaction, new_transaction, hits = (int(x) for x in out.split())
    assert reader.returncode == 0
    assert same_transaction == 5  # the old state, whole
    assert new_transaction == 6  # the new run, whole
    assert hits == 2  # search committed with the articles: the new copy is found at once
    assert table(db, "SELECT count(*) FROM articles_current") == [(6,)]
