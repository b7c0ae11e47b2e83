"""Limits: a full disk under the warehouse. (An object over --max-object-bytes:
test_s3_faults.)"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.faults.conftest import Checkpoint, Warehouse, article, put, read_to_eof
from tests.e2e.faults.invariants import placed, table_hashes

pytestmark = pytest.mark.slow  # runs the flow and the CLI

RUN_RECORD = {"main.ingest_runs", "main.dq_results"}  # what a failed run may still write


def big_article(size: int) -> bytes:
    """A real article padded with its own paragraphs to `size` bytes."""
    body = article(2)
    paragraphs = body.split(b"\n")[2:]
    while len(body) < size:
        body += b"\n" + b"\n".join(paragraphs)
    return body


@contextlib.contextmanager
def small_disk(size_mb: int) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="newsetl-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system under `folder`."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_disk_full_during_the_load(
    newsetl, run_flow, make_bucket, moto, s3, tmp_path: Path
) -> None:
    """The disk fills while the run is inside its load transaction: the run fails with one line,
    the lake opens with every table as it was, and once there is room the next run heals."""
    with small_disk(30) as disk:
        lake = Warehouse(disk / "warehouse")
        lake.reports = tmp_path / "reports"
        bucket = make_bucket(4)
        run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))  # in this process: cheaper
        for i in range(4, 7):
            put(s3, bucket, f"incoming/{i:03d}.txt", article(i))
        before = table_hashes(lake.db)

        checkpoint = Checkpoint(tmp_path / "checkpoints", "loading")
        process, tag = newsetl.spawn(*lake.args(bucket.source, moto.url), env=checkpoint.env)
        try:
            checkpoint.wait(process, tag)
            filler = fill(disk)
            checkpoint.release()
            out, err, _eof = read_to_eof(process, 300, after_exit=10)
            process.wait(timeout=60)
        finally:
            checkpoint.close()
        assert process.returncode not in (0, 3, 4), f"exit {process.returncode}\n{out}\n{err}"
        after = table_hashes(lake.db)  # the lake opens, as it was
        changed = sorted(t for t in before if after.get(t) != before[t] and t not in RUN_RECORD)
        assert not changed, f"tables changed by the failed run: {changed}"

        filler.unlink()
        healed = run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))
        assert healed.status == "completed" and healed.loaded == 3, healed
        assert placed(lake.db, bucket.txt_keys()).articles == bucket.txt_keys()
        assert not lake.staging.exists()

    # Checked last, so that the checks above run while this one still fails.
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err and len(lines) == 1, f"not one line on stderr:\n{err}"
    assert re.search(r"space|full", lines[0], re.IGNORECASE), lines[0]


def test_reading_on_a_full_disk_names_it_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    """The disk holding a SQLite catalog is full: SQLite in WAL mode cannot even open it to
    read (its `-shm` file needs room). Reading and maintenance each say so in one line naming
    the full disk, no half-written lock record is left, and with room again the lake reads."""
    from newsetl.common.catalog import Catalog
    from newsetl.lake import connection

    newsetl = str(Path(sys.executable).with_name("newsetl"))
    with small_disk(8) as disk:
        db = disk / "warehouse" / "news.sqlite"
        con = connection.connect(Catalog.parse(db))
        con.execute("CREATE TABLE notes AS SELECT range AS id, 'Жаңалық' AS body FROM range(50)")
        con.close()
        filler = fill(disk)
        query = ["sql", "--db", str(db), "-c", "SELECT count(*) AS n FROM notes", "--format", "csv"]
        for args in (query, ["maintain", "--db", str(db), "--lock-timeout", "0"]):
            done = subprocess.run([newsetl, *args], capture_output=True, text=True, timeout=120)
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            assert done.returncode == 1 and len(lines) == 1, (args[0], done.stderr)
            assert f"disk holding it ({disk}) is full" in lines[0], lines[0]
            assert not list(db.parent.glob("*.tmp")), list(db.parent.iterdir())
        filler.unlink()
        done = subprocess.run([newsetl, *query], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stdout.split() == ["n", "50"], done.stderr


def test_a_commit_blocked_by_a_foreign_write_lock_names_the_holder(
    newsetl, run_flow, make_bucket, moto, s3, lake: Warehouse
) -> None:
    """Another process (not a newsetl run: those wait for the writer lock) holds a write
    transaction on the SQLite catalog: the run fails in one line naming that process, commits
    nothing, and runs whole once the lock is gone."""
    bucket = make_bucket(3)
    run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))
    put(s3, bucket, "incoming/003.txt", article(3))
    before = table_hashes(lake.db)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SQLITE_WRITE_LOCK, str(lake.db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        blocked = newsetl(*lake.args(bucket.source, moto.url))
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    lines = [line for line in blocked.err.splitlines() if line.strip()]
    assert blocked.code == 1 and len(lines) == 1, blocked
    assert f"PID {holder.pid}" in lines[0] and "write transaction" in lines[0], lines[0]
    assert table_hashes(lake.db) == before
    healed = run_flow(bucket.name, lake.db, reports_dir=str(lake.reports))
    assert healed.status == "completed" and healed.loaded == 1, healed


HOLD_SQLITE_WRITE_LOCK = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
    "c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.readline()"
)
