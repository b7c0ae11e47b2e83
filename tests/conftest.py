"""Shared fixtures: a real moto server, real DuckLake catalogs, a real Prefect test server.

The fast tests sit in one folder per stage of the package (common, source, parse, search, lake,
quality, runtime, cli, bench); the end-to-end runs (real Prefect, moto, PostgreSQL, a browser) sit
in e2e/ and carry the `e2e` mark, so `pytest -m "not e2e"` runs the fast ones alone. A test
outside e2e/ that asks for a server fixture is a collection error, so the split stays honest."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsetl.runtime.devs3 import MotoServer, demo_credentials, upload_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
os.environ.update(demo_credentials())
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # no telemetry from a closed network


E2E_DIR = ROOT / "tests" / "e2e"
# Fixtures that start a server (moto, Prefect, PostgreSQL) or run the pipeline on one.
SERVER_FIXTURES = frozenset(
    {"moto", "s3", "bucket", "prefect_api", "run_flow", "cli", "postgres", "deployed", "newsetl"}
    | {"postgres_password"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/e2e/ are marked `e2e`; a test elsewhere may not start a server."""
    misplaced = []
    for item in items:
        if E2E_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
        elif SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            misplaced.append(item.nodeid)
    if misplaced:
        raise pytest.UsageError(
            "tests that start a server belong in tests/e2e/: " + ", ".join(misplaced)
        )


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def s3(moto: MotoServer):
    return moto.client()


@pytest.fixture
def bucket(s3) -> str:
    """A fresh bucket per test (valid S3 name), holding the five samples under incoming/."""
    name = f"news-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    upload_dir(s3, SAMPLE, name, "incoming/")
    return name


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One real Prefect server per test process; subprocesses reach it through PREFECT_API_URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


@pytest.fixture
def warehouse_dir(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse"
    path.mkdir()
    return path


@pytest.fixture
def run_flow(prefect_api: str, moto: MotoServer, tmp_path: Path):
    """Call the ingest flow in-process against a bucket of the moto server."""
    from flows.ingest import ingest_news

    def run(bucket: str, db: Path, **params: object):
        params.setdefault("endpoint_url", moto.url)
        params.setdefault("reports_dir", str(tmp_path / "reports"))
        return ingest_news(source=f"s3://{bucket}/incoming/", db=str(db), **params)

    run.endpoint_url = moto.url
    return run


@pytest.fixture
def cli(prefect_api: str, moto: MotoServer):
    """Run the real `newsetl` console script as a subprocess."""

    def run(
        *args: str, env: dict | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "PREFECT_API_URL": prefect_api, **(env or {})}
        full_env.pop("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", None)  # the CLI's own default
        exe = Path(sys.executable).with_name("newsetl")
        return subprocess.run(
            [str(exe), *args], env=full_env, capture_output=True, text=True, timeout=timeout
        )

    return run


def as_from_a_terminal() -> None:
    """`preexec_fn` of a command a test stops with signals as a terminal would send them: it
    starts with SIGINT, SIGHUP and SIGTERM at their defaults and unblocked, whatever the test
    runner inherited. (A suite started as a background job of a script has SIGINT ignored, and
    under nohup SIGHUP too; a command rightly leaves an ignored signal ignored.)"""
    import signal

    signums = (signal.SIGINT, signal.SIGHUP, signal.SIGTERM)
    for signum in signums:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signums)


def table(db: Path | str, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a query on the lake, read-only, as an analyst would run it."""
    import newsetl

    con = newsetl.connect(str(db))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every contract table's content, run ids and timestamps aside, for equality checks."""
    queries = {
        "articles": "SELECT * EXCLUDE (run_id, loaded_at, deleted_at) FROM articles ORDER BY key",
        "paragraphs": "SELECT * FROM paragraphs ORDER BY key, position",
        "quarantine": "SELECT * EXCLUDE (run_id, quarantined_at) FROM quarantine ORDER BY key",
        "source_objects": (
            "SELECT * EXCLUDE (first_run_id, last_run_id) FROM source_objects ORDER BY key"
        ),
        "search_docs": "SELECT * FROM newsetl_internal.search_docs ORDER BY key",
        "search_postings": (
            "SELECT * FROM newsetl_internal.search_postings ORDER BY doc, lang, term"
        ),
    }
    import newsetl

    con = newsetl.connect(str(db))  # one connection: each costs DuckDB's extension checks
    try:
        return {name: con.execute(sql).fetchall() for name, sql in queries.items()}
    finally:
        con.close()


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server per test process, on 127.0.0.1."""
    from tests.pg import Postgres

    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_password():
    """A real PostgreSQL server that asks for a password (SCRAM), unique to this test process and
    recognisable in any file: `.password`. Its `conninfo()` leaves the password out."""
    from tests.pg import Postgres

    server = Postgres(password=f"FAKEpgpass{uuid.uuid4().hex}").start()
    yield server
    server.stop()
