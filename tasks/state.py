"""Open the warehouse for a run: migrate it, read the state the plan compares against."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl.common import sqlfiles
from newsetl.common.settings import Settings
from newsetl.lake import commit, connection, migrations
from newsetl.quality.drift import BASELINE_DAYS, BASELINE_SCHEMA, TITLE_LIMIT
from newsetl.source.plan import STATE_SCHEMA


@dataclass
class WarehouseState:
    objects: pl.DataFrame  # the source's objects (all objects for a quarantine retry)
    live_hashes: pl.DataFrame  # key, content_sha256 of the current articles
    drift_baseline: pl.DataFrame  # per prefix, the last days' articles (newsetl.quality.drift)
    sources: list[str]  # the sources the warehouse is fed from (the `sources` view)


@task(name="open-warehouse", cache_policy=NO_CACHE)
def open_warehouse(
    settings: Settings, source: str | None = None, read_only: bool = False
) -> WarehouseState:
    """Migrate the lake if needed and read what the plan and the validation compare against.
    `read_only` (a dry run) migrates nothing and takes a lake that does not exist yet as empty."""
    if read_only and not settings.catalog.exists():
        return WarehouseState(
            objects=pl.DataFrame(schema=STATE_SCHEMA),
            live_hashes=pl.DataFrame(schema={"key": pl.String, "content_sha256": pl.String}),
            drift_baseline=pl.DataFrame(schema=BASELINE_SCHEMA),
            sources=[],
        )
    con = (
        connection.connect(settings.catalog, read_only=True, endpoint_url=settings.endpoint_url)
        if read_only
        else open_writer(settings)
    )
    try:
        if not read_only:
            applied = migrations.prepare(con)
            if applied:
                get_run_logger().info("applied migrations: %s", ", ".join(applied))
        baseline = con.execute(
            sqlfiles.sql_file("quality/drift_baseline.sql"),
            {"days": BASELINE_DAYS, "title_limit": TITLE_LIMIT},
        ).pl()
        return WarehouseState(
            objects=commit.read_state(con, source),
            live_hashes=commit.live_article_hashes(con),
            drift_baseline=baseline.cast(BASELINE_SCHEMA),
            sources=[row[0] for row in con.execute("SELECT source FROM sources").fetchall()],
        )
    finally:
        con.close()


def open_writer(settings: Settings):
    return connection.connect(
        settings.catalog,
        memory_limit=settings.duckdb_memory_limit,
        endpoint_url=settings.endpoint_url,
    )
