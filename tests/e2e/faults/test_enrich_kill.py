"""kill -9 of `newsetl enrich` inside its write transaction: nothing of it is committed, the
articles stay loaded, and the next enrichment reads the same changes and does the whole work,
then runs its quality suite."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from bench.eval_enrich import load
from newsetl.common.catalog import Catalog
from newsetl.lake.connection import connect
from newsetl.lake.migrations import prepare
from tests.conftest import table
from tests.e2e.faults.conftest import TAG_VAR, Checkpoint
from tests.enrich.test_lake import put

NEWSETL = str(Path(sys.executable).with_name("newsetl"))


def test_kill_inside_the_enrichment_commits_nothing_and_the_next_one_heals(
    tmp_path: Path,
) -> None:
    db = tmp_path / "news.sqlite"
    _, articles = load()
    con = connect(Catalog.parse(str(db), None))
    try:
        prepare(con)
        for article in articles[:4]:
            put(con, article)
    finally:
        con.close()
    snapshots = table(db, "SELECT count(*) FROM ducklake_snapshots('news')")[0][0]

    checkpoint = Checkpoint(tmp_path / "checkpoints", "enriching")
    tag = uuid.uuid4().hex
    env = {**os.environ, **checkpoint.env, TAG_VAR: tag}
    process = subprocess.Popen(
        [NEWSETL, "enrich", "--db", str(db), "--lock-timeout", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert checkpoint.wait(process, tag) == process.pid
        process.kill()
        process.communicate(timeout=60)
    finally:
        checkpoint.close()
    assert table(db, "SELECT count(*) FROM ducklake_snapshots('news')")[0][0] == snapshots
    assert table(db, "SELECT count(*) FROM enrich_runs") == [(0,)]
    assert table(db, "SELECT count(*) FROM story_articles") == [(0,)]
    assert table(db, "SELECT count(*) FROM articles_current") == [(4,)]

    reports = tmp_path / "reports"
    done = subprocess.run(
        [NEWSETL, "enrich", "--db", str(db), "--lock-timeout", "0", "--reports-dir", str(reports)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert table(db, "SELECT count(*), count(DISTINCT key) FROM story_articles") == [(4, 4)]
    assert table(db, "SELECT articles FROM enrich_runs") == [(4,)]
    # Then its quality suite, in the Data Docs.
    assert (reports / "data_docs" / "validations" / "enrichment").is_dir()
