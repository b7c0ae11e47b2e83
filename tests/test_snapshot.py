"""Readers while loading: analysts read a published snapshot while the pipeline writes the
working file. Real separate reader processes stay connected across a whole write + publish cycle;
the writer and the publish both succeed; every read sees the old state or the new one, whole."""

from __future__ import annotations

import inspect
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from newsetl import search, warehouse
from newsetl.snapshot import SnapshotError, publish_snapshot, snapshot_path
from tests.test_sql import build_warehouse

ROOT = Path(__file__).resolve().parent.parent
NEW_RU = "incoming/010_ru_cairo_again.txt"
NEW_KK = "incoming/011_kk_doha_again.txt"
GONE = "incoming/005_ru_slovenia.txt"
KK_DOHA = "incoming/001_97a145f7f1734331.txt"


def light(con: duckdb.DuckDBPyConnection) -> dict:
    """A first look that reads only the keys of the articles."""
    count, keys = con.execute(
        "SELECT count(*), string_agg(key, ',' ORDER BY key) FROM articles_current"
    ).fetchone()
    return {"count": count, "keys": keys}


def state(con: duckdb.DuckDBPyConnection) -> dict:
    """What a reader sees: the current articles, every paragraph and body (data a held
    connection has not read before its second look), and what four searches find."""
    paragraphs = con.execute(
        "SELECT count(*), sum(hash(key, position, text)) FROM paragraphs"
    ).fetchone()
    bodies = con.execute("SELECT sum(length(body)), sum(hash(body)) FROM articles").fetchone()
    found = {
        q: [r[0] for r in con.execute("SELECT key FROM search_articles(?)", [q]).fetchall()]
        for q in ("дипломатов", "Египтом", "Доха", "Словения")
    }
    return {
        **light(con),
        "paragraphs": [str(v) for v in paragraphs],
        "bodies": [str(v) for v in bodies],
        "search": found,
    }


# One reader process. `hold`: one connection for its whole life; prints a first look, waits for
# a line on stdin, then prints the whole state through the same connection. `poll`: a fresh
# connection per read until the stop file appears; prints every distinct state it saw, in order.
READER = (
    "import json, os, sys\nimport duckdb\nfrom newsetl.search import load_fts\n"
    + inspect.getsource(light).replace("duckdb.DuckDBPyConnection", "object")
    + inspect.getsource(state).replace("duckdb.DuckDBPyConnection", "object")
    + r"""
mode, snapshot = sys.argv[1], sys.argv[2]
if mode == "hold":
    con = duckdb.connect(snapshot, read_only=True)
    load_fts(con)
    print(json.dumps(light(con)), flush=True)
    sys.stdin.readline()
    print(json.dumps(state(con)), flush=True)
else:
    stop = sys.argv[3]
    seen, errors, polls = [], [], 0
    while True:
        stopping = os.path.exists(stop)
        try:
            con = duckdb.connect(snapshot, read_only=True)
            try:
                load_fts(con)
                now = state(con)
            finally:
                con.close()
            polls += 1
            if not seen or seen[-1] != now:
                seen.append(now)
        except Exception as exc:
            errors.append(repr(exc))
        if polls + len(errors) == 1:
            print("ready", flush=True)
        if stopping:
            break
    print(json.dumps({"seen": seen, "errors": errors, "polls": polls}), flush=True)
"""
)


def reader(mode: str, *args: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", READER, mode, *map(str, args)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_a_run(db: Path, copies: dict[str, str], gone: str) -> None:
    """What a load does: one transaction that adds and deletes articles and re-indexes them;
    then the writer closes. New articles carry the real text (and paragraphs) of others."""
    con = warehouse.connect(db, timeout=10)
    try:
        with warehouse.transaction(con):
            for new_key, source in copies.items():
                con.execute(
                    "INSERT INTO articles SELECT * REPLACE (? AS key, NULL::TIMESTAMPTZ AS "
                    "deleted_at) FROM articles WHERE key = ?",
                    [new_key, source],
                )
                con.execute(
                    "INSERT INTO paragraphs SELECT ? AS key, position, text FROM paragraphs "
                    "WHERE key = ?",
                    [new_key, source],
                )
            con.execute("UPDATE articles SET deleted_at = now() WHERE key = ?", [gone])
            search.refresh_search_index(con)
    finally:
        con.close()


def read_state(path: Path) -> dict:
    con = search.connect_reader(path)
    try:
        return state(con)
    finally:
        con.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "warehouse" / "news.duckdb")


def test_snapshot_sits_beside_the_working_file(tmp_path: Path) -> None:
    assert snapshot_path(tmp_path / "news.duckdb") == tmp_path / "news.read.duckdb"


def test_publish_copies_the_committed_state_read_only(db: Path) -> None:
    expected = read_state(db)
    snap = publish_snapshot(db)
    assert snap == db.parent / "news.read.duckdb"
    assert stat.S_IMODE(snap.stat().st_mode) == 0o444
    assert not snap.with_name(snap.name + ".wal").exists()
    assert sorted(p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")) == []
    assert read_state(snap) == expected
    assert expected["search"]["дипломатов"] == ["incoming/004_7354ca18adfe16e0.txt"]
    versions = "SELECT version, name FROM schema_migrations ORDER BY version"
    with duckdb.connect(str(snap), read_only=True) as copy, duckdb.connect(str(db)) as working:
        assert copy.execute(versions).fetchall() == working.execute(versions).fetchall()


def test_publish_includes_commits_still_in_the_wal(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute("UPDATE articles SET title = 'Жаңа тақырып' WHERE key = ?", [GONE])
    con.close()
    wal = db.with_name(db.name + ".wal")
    assert wal.stat().st_size > 0  # the commit is only in the WAL
    snap = publish_snapshot(db)
    assert not wal.exists() or wal.stat().st_size == 0
    with duckdb.connect(str(snap), read_only=True) as reader_con:
        title = reader_con.execute("SELECT title FROM articles WHERE key = ?", [GONE]).fetchone()
    assert title == ("Жаңа тақырып",)


def test_publish_refuses_while_this_process_holds_the_writer(db: Path) -> None:
    writer = duckdb.connect(str(db))
    try:
        with pytest.raises(SnapshotError, match="still open for writing in this process"):
            publish_snapshot(db)
    finally:
        writer.close()
    assert not snapshot_path(db).exists()


def test_publish_removes_temp_files_of_dead_publishers(db: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = db.parent / f".news.read.duckdb.{dead.stdout.strip()}.tmp"
    stale.write_bytes(b"half a copy")
    publish_snapshot(db)
    assert not stale.exists()


def test_readers_stay_connected_across_writes_and_publishes(db: Path, tmp_path: Path) -> None:
    """Two runs, each written and published while a reader holds the first snapshot open (two,
    so that the second checkpoint reuses blocks the first one freed) and another reader keeps
    reconnecting."""
    snap = publish_snapshot(db)
    old = read_state(snap)
    stop = tmp_path / "stop"
    holder = reader("hold", snap)
    poller = reader("poll", snap, stop)
    publish_seconds = []
    try:
        assert json.loads(holder.stdout.readline()) == {k: old[k] for k in ("count", "keys")}
        assert poller.stdout.readline().strip() == "ready"

        # The writer opens the working file while both readers are connected to the snapshot.
        write_a_run(db, {NEW_RU: "incoming/006_ru_cairo.txt"}, gone=GONE)
        started = time.monotonic()
        assert publish_snapshot(db) == snap
        publish_seconds.append(time.monotonic() - started)
        mid = read_state(snap)  # a new connection sees the new state at once
        assert mid == read_state(db)
        assert mid["count"] == old["count"]
        assert mid["search"]["Египтом"] == [NEW_RU]
        assert mid["search"]["Словения"] == []
        time.sleep(0.5)

        write_a_run(db, {NEW_KK: KK_DOHA}, gone=NEW_RU)
        started = time.monotonic()
        assert publish_snapshot(db) == snap
        publish_seconds.append(time.monotonic() - started)
        new = read_state(snap)
        assert new == read_state(db)
        assert new["search"]["Египтом"] == []
        assert sorted(new["search"]["Доха"]) == sorted([KK_DOHA, NEW_KK])
        assert int(new["paragraphs"][0]) > int(old["paragraphs"][0])

        # Let the poller read the last snapshot a few times before stopping it.
        time.sleep(1.0)
        stop.touch()
        polled, poll_err = poller.communicate(timeout=60)
        held, hold_err = holder.communicate("go\n", timeout=60)
    finally:
        for proc in (holder, poller):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert holder.returncode == 0, hold_err
    assert poller.returncode == 0, poll_err
    # The held connection keeps the file it opened: the old state, whole, to the end, even for
    # data it first reads after both publishes.
    assert json.loads(held) == old
    report = json.loads(polled.strip().splitlines()[-1])
    assert report["errors"] == []
    assert report["polls"] >= 2
    # Every fresh read saw one published state, whole, and never an older one after a newer.
    order = [old, mid, new]
    positions = [order.index(seen) for seen in report["seen"] if seen in order]
    assert len(positions) == len(report["seen"]), "a read saw a state that was never published"
    assert positions == sorted(positions)
    assert positions[-1] == 2
    assert max(publish_seconds) < 30


def test_the_writer_is_not_blocked_by_snapshot_readers(db: Path) -> None:
    snap = publish_snapshot(db)
    with duckdb.connect(str(snap), read_only=True) as analyst:
        con = warehouse.connect(db, timeout=2)  # would wait and fail if the reader blocked it
        con.execute("UPDATE articles SET views = 1 WHERE key = ?", [GONE])
        con.close()
        publish_snapshot(db, timeout=2)
        assert analyst.execute("SELECT views FROM articles WHERE key = ?", [GONE]).fetchone() == (
            None,
        )
    with duckdb.connect(str(snap), read_only=True) as fresh:
        assert fresh.execute("SELECT views FROM articles WHERE key = ?", [GONE]).fetchone() == (1,)


def test_a_reader_of_the_working_file_would_block_the_writer(db: Path) -> None:
    """Why the snapshot exists: a read-only process on the working file locks the writer out."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); sys.stdin.readline()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(warehouse.WarehouseError):
            warehouse.connect(db, timeout=0.5)
    finally:
        holder.communicate("done\n", timeout=30)


def test_snapshot_of_a_missing_warehouse_fails(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError):
        publish_snapshot(tmp_path / "nothing.duckdb")
    with pytest.raises(SnapshotError):
        publish_snapshot(tmp_path / "nothing.duckdb", tmp_path / "nothing.duckdb")
    assert os.listdir(tmp_path) == []
