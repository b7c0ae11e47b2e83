"""Scale-out: fetch-and-parse on a local two-worker Dask cluster gives the same tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.ingest import ingest_news
from flows.runners import with_runner
from newsetl.common.settings import Settings
from tests.conftest import snapshot, table
from tests.hostile import corpus


@pytest.mark.slow
def test_dask_runner_gives_identical_tables(
    prefect_api: str, moto, s3, bucket: str, tmp_path: Path
) -> None:
    for item in corpus()[:6]:  # some quarantined, some odd encodings
        s3.put_object(Bucket=bucket, Key=item.key, Body=item.body)
    common = {
        "source": f"s3://{bucket}/incoming/",
        "endpoint_url": moto.url,
        "chunk_size": 3,  # several chunks, so both workers get some
        "critical_threshold": 0.5,
    }
    threads_db, dask_db = tmp_path / "threads.sqlite", tmp_path / "dask.sqlite"
    ingest_news(db=str(threads_db), reports_dir=str(tmp_path / "r1"), **common)

    flow, overrides = with_runner(ingest_news, Settings(task_runner="dask", parse_processes=2))
    assert overrides == {"parse_processes": 0}
    assert type(flow.task_runner).__name__ == "DaskTaskRunner"
    summary = flow(db=str(dask_db), reports_dir=str(tmp_path / "r2"), **common, **overrides)

    assert summary.loaded == table(threads_db, "SELECT count(*) FROM articles")[0][0]
    assert summary.quarantined == 4
    assert snapshot(dask_db) == snapshot(threads_db)
