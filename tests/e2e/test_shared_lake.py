"""The shared mode: a PostgreSQL catalog (a real server) with the lake's data on S3 (a real moto
server over HTTP). Shards of one source, split by prefix, run at the same time as separate
processes and commit to one lake; every object is accounted for exactly once, and analysts on
other machines attach it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import newsetl
from newsetl.runtime.devs3 import MotoServer
from tests.conftest import SAMPLE

pytestmark = pytest.mark.slow
SHARDS = 3


def shard_run(
    lake: str, data_path: str, source: str, moto: MotoServer, prefect_api: str, cwd: Path
) -> subprocess.Popen:
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "NEWSETL_PARSE_PROCESSES": "0"}
    env.pop("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", None)
    cwd.mkdir(parents=True, exist_ok=True)
    args = [
        str(Path(sys.executable).with_name("newsetl")), "run", "--source", source,
        "--db", f"postgres:{lake}", "--data-path", data_path, "--endpoint-url", moto.url,
        "--reports-dir", str(cwd / "reports"), "--lock-timeout", "300", "--allow-deletes",
    ]  # fmt: skip
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def run_all(
    lake: str, data_path: str, sources: list[str], moto: MotoServer, prefect_api: str, tmp: Path
) -> None:
    """One run per source, all at once; each must succeed."""
    processes = [
        shard_run(lake, data_path, source, moto, prefect_api, tmp / f"w{i}")
        for i, source in enumerate(sources)
    ]
    for process in processes:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]


def test_shards_commit_to_one_postgres_lake_with_data_on_s3(
    postgres, moto: MotoServer, s3, prefect_api: str, tmp_path: Path
) -> None:
    source_bucket, lake_bucket = f"src-{uuid.uuid4().hex[:8]}", f"lake-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=source_bucket)
    s3.create_bucket(Bucket=lake_bucket)
    samples = sorted(SAMPLE.glob("*.txt"))
    for shard in range(SHARDS):
        for path in samples:
            body = path.read_bytes() + f"\nБөлім {shard}.\n".encode()
            s3.put_object(Bucket=source_bucket, Key=f"2026/{shard:02d}/{path.name}", Body=body)
    lake = postgres.new_database()
    data_path = f"s3://{lake_bucket}/lake/"
    sources = [f"s3://{source_bucket}/2026/{shard:02d}/" for shard in range(SHARDS)]

    # Round one, one shard after another in this process: the lake fills.
    from flows.ingest import ingest_news

    for i, source in enumerate(sources):
        ingest_news(
            source=source,
            db=f"postgres:{lake}",
            data_path=data_path,
            endpoint_url=moto.url,
            reports_dir=str(tmp_path / f"r{i}"),
            parse_processes=0,
            new_source=i > 0,  # each shard is a source of its own
        )
    con = newsetl.connect(f"postgres:{lake}", endpoint_url=moto.url)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT key) FROM articles").fetchone() == (
            SHARDS * len(samples),
            SHARDS * len(samples),
        )
        per_source = con.execute(
            "SELECT source, count(*) FROM source_objects GROUP BY ALL ORDER BY 1"
        ).fetchall()
        assert per_source == [(source, len(samples)) for source in sources]
        # Each shard planned against its own rows: none marked another's objects deleted.
        assert con.execute(
            "SELECT count(*) FROM source_objects WHERE status <> 'loaded'"
        ).fetchone() == (0,)
        runs = con.execute("SELECT source, status, loaded, snapshot_id FROM ingest_runs").fetchall()
        assert sorted(r[0] for r in runs) == sources
        assert {r[1] for r in runs} == {"completed"}
        assert sum(r[2] for r in runs) == SHARDS * len(samples)
        snapshot_ids = [r[3] for r in runs]
        assert len(set(snapshot_ids)) == SHARDS  # one snapshot per run, each on record
        recorded = dict(
            con.execute(
                "SELECT snapshot_id, commit_message FROM ducklake_snapshots('news')"
            ).fetchall()
        )
        assert all(recorded[sid].startswith("ingest run ") for sid in snapshot_ids)
        assert con.execute("SELECT count(*) FROM search_articles('сенатор')").fetchone() == (
            SHARDS,
        )
    finally:
        con.close()
    stored = s3.list_objects_v2(Bucket=lake_bucket, Prefix="lake/")
    assert stored.get("KeyCount", 0) > 0  # the Parquet files are on S3, not on this disk

    # Round two, every shard's process at once: each brings a new object, changes one and loses
    # another, so all of them insert into and delete from the same tables at the same moment:
    # conflicting commits are retried, nothing is lost.
    for shard in range(SHARDS):
        prefix = f"2026/{shard:02d}/"
        s3.delete_object(Bucket=source_bucket, Key=prefix + samples[0].name)
        body = samples[1].read_bytes() + f"\nӨзгерді {shard}.\n".encode()
        s3.put_object(Bucket=source_bucket, Key=prefix + samples[1].name, Body=body)
        extra = samples[2].read_bytes() + f"\nҚосымша {shard}.\n".encode()
        s3.put_object(Bucket=source_bucket, Key=prefix + "extra.txt", Body=extra)
    run_all(lake, data_path, sources, moto, prefect_api, tmp_path)
    con = newsetl.connect(f"postgres:{lake}", endpoint_url=moto.url)
    try:
        for table in ("articles", "source_objects", "quarantine"):
            total, distinct = con.execute(
                f"SELECT count(*), count(DISTINCT key) FROM {table}"
            ).fetchone()
            assert total == distinct, table
        live = SHARDS * len(samples)  # one object lost, one new, per shard
        assert con.execute("SELECT count(*) FROM articles_current").fetchone() == (live,)
        assert con.execute(
            "SELECT count(*) FROM source_objects WHERE status = 'deleted'"
        ).fetchone() == (SHARDS,)
        changed = con.execute(
            "SELECT count(*) FROM articles_current WHERE body LIKE '%Өзгерді%'"
        ).fetchone()
        assert changed == (SHARDS,)
        assert con.execute(
            "SELECT count(*) FROM ingest_runs WHERE status = 'completed'"
        ).fetchone() == (2 * SHARDS,)
        # Search follows: the changed text is found, the deleted articles are not.
        assert con.execute("SELECT count(*) FROM search_articles('Өзгерді')").fetchone() == (
            SHARDS,
        )
        indexed = con.execute("SELECT count(*) FROM newsetl_internal.search_docs").fetchone()
        assert indexed == (live,)
        assert con.execute("SELECT count(*) FROM search_articles('Қосымша')").fetchone() == (
            SHARDS,
        )
    finally:
        con.close()
