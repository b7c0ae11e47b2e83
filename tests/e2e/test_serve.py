"""`make serve` with no source configured: serve's own pieces (newsetl.runtime.serve.pipeline)
start a local S3 endpoint with the sample, deploy prefect.yaml against it on a real Prefect
server (the session's, `prefect_api`) and start a worker; a triggered ingest-hourly loads the
sample into warehouse/demo.sqlite of the worker's directory, and leaving stops the worker and
the endpoint."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newsetl.common.localserver import answers
from newsetl.runtime import serve
from newsetl.runtime.devs3 import DEMO_DB, DEMO_SOURCE
from tests.conftest import ROOT, table


def final_state(client, flow_run_id, log: Path, timeout: float = 300.0):
    """Poll the flow run until its state is final (the worker runs it in its own process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.read_flow_run(flow_run_id).state
        if state is not None and state.is_final():
            return state
        time.sleep(1)
    raise AssertionError(f"flow run not final after {timeout:g} s: {state}\n{tail(log)}")


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""


@pytest.mark.slow
def test_serve_without_a_source_runs_the_sample_into_the_demo_lake(
    prefect_api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client

    # A worker's directory other than the checkout, so that nothing lands in the checkout: it
    # only needs the entrypoints (prefect.yaml's `flows/...py`); relative paths resolve in it.
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / "flows").symlink_to(ROOT / "flows")
    for name in ("NEWSETL_SOURCE", "NEWSETL_ENDPOINT_URL", "NEWSETL_DB"):
        monkeypatch.delenv(name, raising=False)
    env = serve.prefect_env(prefect_api, tmp_path / "prefect-home")
    env["PREFECT_WORKER_QUERY_SECONDS"] = "1"  # pick the run up at once
    env["NEWSETL_PARSE_PROCESSES"] = "0"  # five articles: parse in the fetching threads
    log = tmp_path / "worker.log"
    with (
        open(log, "ab") as out,
        serve.pipeline(env, prefect_api, cwd=workdir, stdout=out, stderr=out) as served,
        get_client(sync_client=True) as client,
    ):
        assert served.s3 is not None
        deployment = client.read_deployment_by_name("ingest-news/ingest-hourly")
        assert {k: deployment.parameters[k] for k in ("source", "endpoint_url", "db")} == {
            "source": DEMO_SOURCE,
            "endpoint_url": served.s3.url,
            "db": DEMO_DB,
        }
        flow_run = client.create_flow_run_from_deployment(deployment.id)
        state = final_state(client, flow_run.id, log)
        assert state.is_completed(), (state, tail(log))
    assert served.worker.poll() is not None
    assert served.s3.process is not None and served.s3.process.poll() is not None
    assert not answers(served.s3.url + "/moto-api/")
    # The catalog records a relative data path as given (warehouse/demo.files/): read it from
    # the directory it was written in.
    monkeypatch.chdir(workdir)
    assert table(DEMO_DB, "SELECT count(*) FROM articles") == [(5,)]
    assert table(DEMO_DB, "SELECT DISTINCT source FROM source_objects") == [(DEMO_SOURCE,)]
    assert not (workdir / "warehouse" / "news.sqlite").exists()
