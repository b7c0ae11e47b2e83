"""The daily report flow: rebuild the GX Data Docs, write the report page with its charts, and
publish a quality summary artifact and a link to the page.

It attaches the lake read-only, so it needs no writer lock and never waits for an ingest. What
it writes is the reports folder, which it shares with ingest runs: the Data Docs build and the
page take the reports lock (newsetl.quality.reports_lock), as an ingest does to store its results.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.params import run_settings
from newsetl.common import sqlfiles
from newsetl.common.catalog import Catalog
from newsetl.common.settings import Settings
from newsetl.lake import connection
from newsetl.quality.dq_summary import (
    ARTIFACT_KEY,
    HISTORY_RUNS,
    REPORT_ARTIFACT_KEY,
    FailedExpectation,
    QualitySummary,
    RunQuality,
    records,
)
from newsetl.quality.report_page import (
    PAGE_NAME,
    build_page,
    read_report_data,
    vendored_scripts,
    write_page,
)
from newsetl.quality.reports_lock import reports_lock
from tasks.report import build_data_docs
from tasks.retry import retry_unless_permanent


def _query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[dict]:
    """Run sql/quality/NAME.sql with named parameters; rows as dicts."""
    cursor = con.execute(sqlfiles.sql_file(f"quality/{name}.sql"), params)
    return records([column[0] for column in cursor.description], cursor.fetchall())


@task(
    name="read-quality",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=5,
    retry_condition_fn=retry_unless_permanent,
)
def read_quality(db: str, data_docs: str | None, report_page: str | None = None) -> QualitySummary:
    """The newest run, its failed expectations and the recent pass rates, read-only: a reader
    of the lake never waits for a run, nor makes one wait."""
    catalog = Catalog.parse(db)
    links = {"data_docs": data_docs, "report_page": report_page}
    if not catalog.exists():
        get_run_logger().warning("no warehouse at %s yet", catalog.describe())
        return QualitySummary(db=catalog.describe(), **links)
    con = connection.connect(catalog, read_only=True)
    db = catalog.describe()
    try:
        latest = _query(con, "latest_run")
        if not latest:
            return QualitySummary(db=db, **links)
        failed = _query(con, "failed_expectations", run_id=latest[0]["run_id"])
        history = _query(con, "pass_rates", runs=HISTORY_RUNS)
    finally:
        con.close()
    return QualitySummary(
        db=db,
        latest=latest[0],
        failed=[FailedExpectation(**row) for row in failed],
        history=[RunQuality(**row) for row in history],
        **links,
    )


@task(
    name="build-report-page",
    cache_policy=NO_CACHE,
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_unless_permanent,
)
def build_report_page(settings: Settings) -> str | None:
    """The page with its four charts, in the reports folder beside the Data Docs it links to.
    Read from the lake without any lock; written holding the reports lock."""
    catalog = settings.catalog
    if not catalog.exists():
        get_run_logger().warning("no warehouse at %s yet: no report page", catalog.describe())
        return None
    con = connection.connect(catalog, read_only=True, endpoint_url=settings.endpoint_url)
    try:
        data = read_report_data(con, catalog.describe())
    finally:
        con.close()
    page = build_page(data, vendored_scripts(), data_docs="data_docs/index.html")
    path = settings.reports_dir / PAGE_NAME
    with reports_lock(settings.reports_dir, settings.lock_timeout):
        write_page(path, page)
    get_run_logger().info("report page at %s", path)
    return str(path.resolve())


@task(name="publish-report-link", cache_policy=NO_CACHE)
def publish_report_link(page: str) -> None:
    create_link_artifact(
        key=REPORT_ARTIFACT_KEY,
        link=Path(page).as_uri(),
        link_text="newsetl daily data-quality report",
        description="Articles per day, pass rate per run and suite, quarantine by reason, "
        "most mentioned entities per week",
    )


@task(name="publish-quality-summary", cache_policy=NO_CACHE)
def publish_quality_summary(summary: QualitySummary) -> None:
    create_markdown_artifact(
        key=ARTIFACT_KEY, markdown=summary.markdown(), description=summary.description()
    )


@flow(name="dq-report")
def dq_report(
    db: str = "warehouse/news.sqlite",
    reports_dir: str = "reports",
    lock_timeout: float = 60.0,
) -> QualitySummary:
    settings = run_settings(db=db, reports_dir=Path(reports_dir), lock_timeout=lock_timeout)
    data_docs = build_data_docs(settings)
    page = build_report_page(settings)
    if page is not None:
        publish_report_link(page)
    summary = read_quality(settings.db, data_docs, page)
    publish_quality_summary(summary)
    return summary
