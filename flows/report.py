"""The daily report flow: rebuild the GX Data Docs and publish a quality summary artifact.

It attaches the lake read-only, so it needs no writer lock and never waits for an ingest; what
it writes is the reports folder, which it shares with ingest runs (see tasks.report).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from newsetl import warehouse
from newsetl.quality_summary import (
    ARTIFACT_KEY,
    HISTORY_RUNS,
    FailedExpectation,
    QualitySummary,
    RunQuality,
    records,
)
from newsetl.settings import Settings
from tasks.report import build_data_docs


def _query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> list[dict]:
    """Run sql/quality/NAME.sql with named parameters; rows as dicts."""
    cursor = con.execute(warehouse.sql_file(f"quality/{name}.sql"), params)
    return records([column[0] for column in cursor.description], cursor.fetchall())


@task(name="read-quality", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def read_quality(db: str, data_docs: str | None) -> QualitySummary:
    """The newest run, its failed expectations and the recent pass rates, read-only: a reader
    of the lake never waits for a run, nor makes one wait."""
    catalog = warehouse.Catalog.parse(db)
    if not catalog.exists():
        get_run_logger().warning("no warehouse at %s yet", catalog.describe())
        return QualitySummary(db=catalog.describe(), data_docs=data_docs)
    con = warehouse.connect(catalog, read_only=True)
    db = catalog.describe()
    try:
        latest = _query(con, "latest_run")
        if not latest:
            return QualitySummary(db=db, data_docs=data_docs)
        failed = _query(con, "failed_expectations", run_id=latest[0]["run_id"])
        history = _query(con, "pass_rates", runs=HISTORY_RUNS)
    finally:
        con.close()
    return QualitySummary(
        db=db,
        latest=latest[0],
        failed=[FailedExpectation(**row) for row in failed],
        history=[RunQuality(**row) for row in history],
        data_docs=data_docs,
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
    settings = Settings(db=db, reports_dir=Path(reports_dir), lock_timeout=lock_timeout)
    data_docs = build_data_docs(settings)
    summary = read_quality(settings.db, data_docs)
    publish_quality_summary(summary)
    return summary
