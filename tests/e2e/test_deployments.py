"""prefect.yaml end to end: a real `prefect server start`, the `newsetl` process pool,
`prefect --no-prompt deploy --all`, and a `--run-once` process worker running the deployed
flows against a moto bucket; plus the pure pieces (parameter fallbacks, summary, its SQL)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from newsetl.common.catalog import Catalog
from newsetl.lake import connection, migrations
from newsetl.quality.dq_summary import (
    ARTIFACT_KEY,
    HISTORY_RUNS,
    FailedExpectation,
    QualitySummary,
    RunQuality,
    records,
)
from newsetl.runtime import serve
from newsetl.runtime.devs3 import MotoServer, demo_credentials, upload_dir
from tests.conftest import SAMPLE, table

SCHEDULES = {
    "ingest-news/ingest-hourly": "15 * * * *",
    "ingest-news/full-refresh-weekly": "0 3 * * 0",
    "dq-report/dq-report-daily": "0 6 * * *",
    "lake-maintenance/lake-maintenance-weekly": "30 4 * * 0",
}
ALMATY = ZoneInfo("Asia/Almaty")
# Runs on an event, not a schedule: when an ingest-news flow run completes.
ENRICH = "enrich-news/enrich-after-ingest"


def test_first_set_prefers_env_then_variable_then_default() -> None:
    # What the build step receives when $NEWSETL_* and the Variables are unset: "".
    assert serve.first_set(
        source=["", "", "s3://news-raw/incoming/"],
        db=["", "wh/from-variable.sqlite", "warehouse/news.sqlite"],
        endpoint_url=["http://env:9000", "http://variable:9000"],
        unset=["", ""],
    ) == {
        "source": "s3://news-raw/incoming/",
        "db": "wh/from-variable.sqlite",
        "endpoint_url": "http://env:9000",
        "unset": None,
    }


def test_quality_summary_markdown() -> None:
    started = datetime(2026, 1, 4, 3, 0, tzinfo=UTC)
    latest = records(
        ["run_id", "source", "started_at", "status", "message", "loaded", "quarantined"],
        [("r2", "s3://b/p/", started, "failed_quality", "too many critical failures", 0, 3)],
    )[0]
    summary = QualitySummary(
        db="w.duckdb",
        latest=latest,
        failed=[
            FailedExpectation("articles", "title_present", "title", "critical", 3, 60.0),
            FailedExpectation("articles", "date_present", "published_date", "warning", 1, 20.0),
        ],
        history=[
            RunQuality("r2", started, "failed_quality", 0, 3, 16, 14, 1, 1),
            RunQuality("r1", started, "completed", 5, 0, 0, 0, 0, 0),
        ],
    )
    markdown = summary.markdown()
    assert "# newsetl data quality: failed_quality" in markdown
    assert "> too many critical failures" in markdown
    assert "| quarantined | 3 |" in markdown
    assert "### Failed critical expectations (1)" in markdown
    assert "| articles | title_present | title | 3 | 60.0 |" in markdown
    assert "### Failed warning expectations (1)" in markdown
    assert "| `r2` | 2026-01-04 03:00:00 UTC | failed_quality | 14/16 | 87.5% | 1 | 1 |" in markdown
    assert "| `r1` | 2026-01-04 03:00:00 UTC | completed | 0/0 | n/a |" in markdown
    assert summary.description() == (
        "newsetl quality: run r2 failed_quality; failed 1 critical, 1 warning"
    )
    empty = QualitySummary(db="w.duckdb")
    assert empty.status == "no runs"
    assert "No ingest run has been recorded yet." in empty.markdown()


def test_read_quality_reads_latest_run_and_history(tmp_path: Path) -> None:
    """The sql/quality queries on a real (migrated) warehouse: newest run, its failures,
    the last HISTORY_RUNS runs' pass rates, runs without dq_results counted as zero."""
    from prefect.logging import disable_run_logger

    from flows.report import read_quality

    db = tmp_path / "news.sqlite"
    con = connection.connect(Catalog.parse(db))
    try:
        migrations.prepare(con)
        for n in range(HISTORY_RUNS + 2):
            started = datetime(2026, 1, 1, n, tzinfo=UTC)
            con.execute(
                "INSERT INTO ingest_runs BY NAME SELECT ? AS run_id, 's3://b/p/' AS source, "
                "?::TIMESTAMPTZ AS started_at, ?::TIMESTAMPTZ AS finished_at, ? AS status, "
                "5 AS listed, 0 AS ignored, 0 AS unchanged, 5 AS new, 0 AS changed, "
                "0 AS refreshed, 0 AS deleted, ? AS loaded, ? AS quarantined, 0 AS warnings",
                [f"r{n:02d}", started, started, "completed", 5 - n % 2, n % 2],
            )
        latest = f"r{HISTORY_RUNS + 1:02d}"
        outcomes = [
            (latest, "articles", "title_present", "critical", False, 2),
            (latest, "articles", "date_present", "warning", False, 1),
            (latest, "articles", "body_present", "critical", True, 0),
            (latest, "batch", "keys_unique", "critical", True, 0),
            ("r10", "articles", "title_present", "critical", True, 0),
        ]
        con.executemany(
            "INSERT INTO dq_results (run_id, suite, expectation, expectation_type, column_name, "
            "severity, success, element_count, unexpected_count, unexpected_percent) "
            "VALUES (?, ?, ?, 'expect_x', 'c', ?, ?, 5, ?, ?)",
            [(*row, row[-1] * 20.0) for row in outcomes],
        )
    finally:
        con.close()

    summary = read_quality.fn(str(db), "docs/index.html")
    assert summary.latest is not None and summary.latest["run_id"] == latest
    assert summary.latest["quarantined"] == 1
    assert [(e.expectation, e.severity, e.unexpected_count) for e in summary.failed] == [
        ("title_present", "critical", 2),
        ("date_present", "warning", 1),
    ]
    assert len(summary.history) == HISTORY_RUNS
    assert [r.run_id for r in summary.history[:3]] == [latest, "r10", "r09"]
    newest, previous, untested = summary.history[:3]
    assert (newest.evaluated, newest.passed, newest.failed_critical, newest.failed_warning) == (
        4,
        2,
        1,
        1,
    )
    assert newest.pass_rate == 0.5 and previous.pass_rate == 1.0
    assert (untested.evaluated, untested.pass_rate) == (0, None)
    assert summary.data_docs == "docs/index.html"
    with disable_run_logger():
        assert read_quality.fn(str(tmp_path / "absent.sqlite"), None).latest is None


@dataclass(frozen=True)
class Deployed:
    server: serve.PrefectServer
    source: str  # s3://BUCKET/incoming/ on the moto server
    endpoint_url: str
    db: Path
    deployments: dict  # "flow/deployment" -> DeploymentResponse


# Session-scoped: a module-scoped one is torn down when a test of another module runs between two
# of these on the same worker, and the server would be started again.
@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory, moto: MotoServer) -> Iterator[Deployed]:
    """A real server with its own PREFECT_HOME (SQLite inside), the `newsetl` pool, and
    prefect.yaml deployed with parameters from a Variable (source) and from the environment
    (endpoint_url, and db, which beats its Variable). The scheduler service is off so the
    only runs are the ones the tests create."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import VariableCreate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    root = tmp_path_factory.mktemp("prefect")
    bucket = f"news-{uuid.uuid4().hex[:12]}"
    s3 = moto.client()
    s3.create_bucket(Bucket=bucket)
    upload_dir(s3, SAMPLE, bucket, "incoming/")
    source, db = f"s3://{bucket}/incoming/", root / "warehouse" / "news.sqlite"

    server = serve.PrefectServer(
        root / "home",
        env={"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false", "PREFECT_UI_ENABLED": "false"},
    )
    try:
        server.start(timeout=120)
        deploy_env = {**server.env, "NEWSETL_DB": str(db), "NEWSETL_ENDPOINT_URL": moto.url}
        deploy_env.pop("NEWSETL_SOURCE", None)
        with (
            temporary_settings({PREFECT_API_URL: server.api_url}),
            get_client(sync_client=True) as client,
        ):
            client.create_variable(VariableCreate(name="newsetl_source", value=source))
            client.create_variable(VariableCreate(name="newsetl_db", value="not/this.sqlite"))
            serve.prefect("work-pool", "create", serve.POOL, "--type", "process", env=deploy_env)
            serve.deploy(deploy_env)
            deployments = {
                name: client.read_deployment_by_name(name) for name in [*SCHEDULES, ENRICH]
            }
        yield Deployed(server, source, moto.url, db, deployments)
    finally:
        server.stop()


@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.slow
def test_deployment_schedule_limit_and_parameters(deployed: Deployed, name: str) -> None:
    deployment = deployed.deployments[name]
    assert deployment.work_pool_name == serve.POOL
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        SCHEDULES[name],
        "Asia/Almaty",
        True,
    )
    assert deployment.global_concurrency_limit is not None
    assert deployment.global_concurrency_limit.limit == 1
    # Resolved by the worker when a run starts, not at deploy time.
    assert deployment.pull_steps[-1] == {
        "prefect.deployments.steps.set_working_directory": {"directory": "{{ checkout.stdout }}"}
    }
    expected = {"db": str(deployed.db)}
    if name.startswith("ingest-news/"):
        expected |= {
            "source": deployed.source,
            "data_path": None,
            "endpoint_url": deployed.endpoint_url,
            "full_refresh": name.endswith("weekly"),
            "lock_timeout": 3600,
        }
    if name.startswith("lake-maintenance/"):
        expected |= {
            "endpoint_url": deployed.endpoint_url,
            "retention_days": 30,
            "lock_timeout": 3600,
        }
    assert deployment.parameters == expected


def run_worker_once(env: dict[str, str], log: Path, timeout: float = 150.0) -> None:
    """`prefect worker start --pool newsetl --run-once`: submits the due runs, waits for them."""
    with open(log, "ab") as out:
        worker = serve.start_worker(env, "--run-once", stdout=out, stderr=subprocess.STDOUT)
        try:
            code = worker.wait(timeout=timeout)
        finally:
            serve.stop_process(worker)
    assert code == 0, log.read_text(errors="replace")[-4000:]


@pytest.mark.slow
def test_deployed_runs_on_a_process_worker_and_a_missing_bucket_fails_once(
    deployed: Deployed, moto: MotoServer, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
        TaskRunFilter,
    )
    from prefect.client.schemas.sorting import ArtifactSort
    from prefect.settings import PREFECT_API_URL, temporary_settings

    db = tmp_path / "warehouse" / "news.sqlite"
    reports, report_dir, log = tmp_path / "reports", tmp_path / "dq-reports", tmp_path / "log"
    worker_env = {**deployed.server.env, **demo_credentials()}
    with (
        temporary_settings({PREFECT_API_URL: deployed.server.api_url}),
        get_client(sync_client=True) as client,
    ):
        # Both runs are due now, so one `--run-once` worker takes both, concurrently. The
        # report gets its own reports_dir: two fresh GX contexts scaffolded in one folder at
        # the same moment could collide (the schedules keep them hours apart).
        ingest = client.create_flow_run_from_deployment(
            deployed.deployments["ingest-news/ingest-hourly"].id,
            parameters={
                "source": deployed.source,
                "endpoint_url": moto.url,
                "db": str(db),
                "reports_dir": str(reports),
            },
        )
        report = client.create_flow_run_from_deployment(
            deployed.deployments["dq-report/dq-report-daily"].id,
            parameters={"db": str(db), "reports_dir": str(report_dir)},
        )
        run_worker_once(worker_env, log)
        for flow_run in (ingest, report):
            state = client.read_flow_run(flow_run.id).state
            assert state is not None and state.is_completed(), (state, log.read_text()[-4000:])
        maintenance = client.create_flow_run_from_deployment(
            deployed.deployments["lake-maintenance/lake-maintenance-weekly"].id,
            parameters={"db": str(db), "retention_days": 0},
        )
        # With it, a run from a bucket that does not exist (the hourly deployment runs one at a
        # time, so not beside the first ingest): it must fail at once, in one line.
        absent = f"s3://absent-{uuid.uuid4().hex[:12]}/incoming/"
        missing = client.create_flow_run_from_deployment(
            deployed.deployments["ingest-news/ingest-hourly"].id,
            parameters={
                "source": absent,
                "endpoint_url": moto.url,
                "db": str(tmp_path / "absent" / "news.sqlite"),
                "reports_dir": str(tmp_path / "absent" / "reports"),
            },
        )
        run_worker_once(worker_env, log, timeout=300)
        state = client.read_flow_run(maintenance.id).state
        assert state is not None and state.is_completed(), (state, log.read_text()[-4000:])
        missing_bucket_fails_once_in_one_line(client, missing.id, absent, log)
        # Every field given: this server rejects the client's nulls (see serve.py).
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[report.id])),
            task_run_filter=TaskRunFilter(),
            sort=ArtifactSort.CREATED_DESC,
            limit=10,
            offset=0,
        )
    assert table(db, "SELECT count(*) FROM articles")[0][0] == 5
    assert table(db, "SELECT count(*) FROM ducklake_snapshots('news')") == [(1,)]  # expired
    assert (reports / "data_docs" / "index.html").is_file()
    # Whether the report read the warehouse before or after the ingest committed, it says so.
    assert artifact.data.startswith(
        ("# newsetl data quality: completed", "# newsetl data quality: no runs")
    )
    assert f"Warehouse `{db}`." in artifact.data
    assert (report_dir / "data_docs" / "index.html").is_file()


def missing_bucket_fails_once_in_one_line(client, flow_run_id, source: str, log: Path) -> None:
    """No retry can bring a bucket into being: list-objects (retries=2) fails at its first
    attempt, and the flow run with the error's one line."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    state = client.read_flow_run(flow_run_id).state
    task_runs = client.read_task_runs(
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    )
    [listing] = [run for run in task_runs if run.name.startswith("list-objects")]
    history = [s.type.value for s in client.read_task_run_states(listing.id)]
    assert state is not None and state.is_failed(), (state, log.read_text()[-4000:])
    assert state.message is not None and "\n" not in state.message.strip()
    assert f"{source}: bucket does not exist" in state.message
    assert listing.state is not None and listing.state.is_failed()
    assert listing.run_count == 1
    assert "AWAITING_RETRY" not in history and "RETRYING" not in history, history
    assert not any(run.name.startswith("fetch-and-parse") for run in task_runs)


@pytest.mark.slow
def test_server_schedules_runs_at_almaty_times(deployed: Deployed) -> None:
    """The server's own scheduling code (what its scheduler service calls), asked for runs
    from a fixed date on: local Almaty times must match the crons."""
    start = datetime(2030, 1, 5, 0, 0, tzinfo=ALMATY)  # a Saturday
    api = deployed.server.api_url
    expected = {
        "ingest-news/ingest-hourly": [(5, 0, 15), (5, 1, 15), (5, 2, 15)],
        "ingest-news/full-refresh-weekly": [(6, 3, 0), (13, 3, 0), (20, 3, 0)],
        "dq-report/dq-report-daily": [(5, 6, 0), (6, 6, 0), (7, 6, 0)],
    }
    with httpx.Client(base_url=api, timeout=30) as http:
        for name, times in expected.items():
            deployment_id = str(deployed.deployments[name].id)
            response = http.post(
                f"/deployments/{deployment_id}/schedule",
                json={"start_time": start.isoformat(), "min_runs": 3, "max_runs": 3},
            )
            assert response.status_code < 300, response.text
            runs = http.post(
                "/flow_runs/filter",
                json={
                    "deployments": {"id": {"any_": [deployment_id]}},
                    "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                    "sort": "EXPECTED_START_TIME_ASC",
                    "limit": 10,
                    "offset": 0,
                },
            ).json()
            local = [
                datetime.fromisoformat(run["expected_start_time"]).astimezone(ALMATY)
                for run in runs
                if run["auto_scheduled"]
            ]
            assert [(t.day, t.hour, t.minute) for t in local] == times


@pytest.mark.slow
def test_a_deployed_run_on_postgres_keeps_the_password_out_of_prefect(
    deployed: Deployed, moto: MotoServer, postgres_password, tmp_path: Path
) -> None:
    """The worker's environment gives libpq the password (PGPASSWORD); the deployment and the
    flow run carry only a conninfo without it. Afterwards the unique fake password is in no file
    of the server's home (its database, WAL and log), the lake, the reports or the worker's log,
    nor in the staging and locks the run kept in the checkout."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from newsetl.common.settings import PROJECT_ROOT
    from tests.e2e.faults.invariants import files_holding

    password = postgres_password.password
    lake = postgres_password.new_database()
    data, reports, log = tmp_path / "lake-data", tmp_path / "reports", tmp_path / "log"
    worker_env = {**deployed.server.env, **demo_credentials(), "PGPASSWORD": password}
    with (
        temporary_settings({PREFECT_API_URL: deployed.server.api_url}),
        get_client(sync_client=True) as client,
    ):
        ingest = client.create_flow_run_from_deployment(
            deployed.deployments["ingest-news/ingest-hourly"].id,
            parameters={
                "source": deployed.source,
                "endpoint_url": moto.url,
                "db": f"postgres:{lake}",
                "data_path": str(data),
                "reports_dir": str(reports),
            },
        )
        run_worker_once(worker_env, log)
        state = client.read_flow_run(ingest.id).state
        assert state is not None and state.is_completed(), (state, log.read_text()[-4000:])
    assert any(data.rglob("*.parquet"))  # the run wrote the lake with that password
    local = [folder for folder in [PROJECT_ROOT / ".newsetl"] if folder.is_dir()]
    assert not files_holding(password, deployed.server.home, tmp_path, *local)


def enrich_runs_once_triggered(client, enrich_id) -> list:
    """The enrich deployment's flow runs, once the automation has made one for every ingest-news
    run that completed on this server (earlier tests complete some; the trigger acts on their
    events a moment later). Polls the server, bounded by a deadline."""
    import time

    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    completed_ingests = FlowRunFilter(
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))
    )
    by_enrich = DeploymentFilter(id=DeploymentFilterId(any_=[enrich_id]))
    deadline = time.monotonic() + 120
    while True:
        ingests = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["ingest-news"])),
            flow_run_filter=completed_ingests,
        )
        runs = client.read_flow_runs(deployment_filter=by_enrich)
        if len(runs) >= len(ingests) or time.monotonic() > deadline:
            assert len(runs) == len(ingests), "the trigger made no enrich run for an ingest run"
            return runs
        time.sleep(1)  # polling the server, bounded by the deadline


@pytest.mark.slow
def test_enrichment_runs_when_an_ingest_run_completes(deployed: Deployed, tmp_path: Path) -> None:
    """The enrich deployment's trigger is an automation on the server; an ingest run that
    completes makes it create an enrich flow run, which a worker then runs."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from prefect.states import Cancelled

    enrich = deployed.deployments[ENRICH]
    assert enrich.schedules == []
    assert enrich.parameters["db"] == str(deployed.db)
    log = tmp_path / "log"
    worker_env = {**deployed.server.env, **demo_credentials()}
    with (
        temporary_settings({PREFECT_API_URL: deployed.server.api_url}),
        get_client(sync_client=True) as client,
    ):
        [automation] = client.read_resource_related_automations(f"prefect.deployment.{enrich.id}")
        assert automation.trigger.expect == {"prefect.flow-run.Completed"}
        # The ingest runs of earlier tests triggered enrich runs too. Those still waiting would
        # take the deployment's one slot from the run this test makes, so they are cancelled.
        earlier = enrich_runs_once_triggered(client, enrich.id)
        for run in earlier:
            if run.state is None or not run.state.is_final():
                client.set_flow_run_state(run.id, Cancelled(), force=True)
        ingest = client.create_flow_run_from_deployment(
            deployed.deployments["ingest-news/ingest-hourly"].id,
            parameters={"db": str(deployed.db), "reports_dir": str(tmp_path / "reports")},
        )
        run_worker_once(worker_env, log)
        state = client.read_flow_run(ingest.id).state
        assert state is not None and state.is_completed(), (state, log.read_text()[-4000:])
        seen = {run.id for run in earlier}
        new = [run for run in enrich_runs_once_triggered(client, enrich.id) if run.id not in seen]
        assert len(new) == 1, new
        run_worker_once(worker_env, log)
        state = client.read_flow_run(new[0].id).state
        assert state is not None and state.is_completed(), (state, log.read_text()[-4000:])
    current = table(deployed.db, "SELECT count(*) FROM articles_current")[0][0]
    assert table(deployed.db, "SELECT count(*) FROM story_articles")[0][0] == current > 0
