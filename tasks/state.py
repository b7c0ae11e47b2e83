"""Open the warehouse for a run: migrate it, read the state the plan compares against."""

from __future__ import annotations

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl import warehouse
from newsetl.settings import Settings


@task(name="open-warehouse", cache_policy=NO_CACHE)
def open_warehouse(
    settings: Settings, source: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Returns (the state of `source`'s objects, or of all objects when None; live article
    hashes)."""
    con = open_writer(settings)
    try:
        applied = warehouse.prepare(con)
        if applied:
            get_run_logger().info("applied migrations: %s", ", ".join(applied))
        return warehouse.read_state(con, source), warehouse.live_article_hashes(con)
    finally:
        con.close()


def open_writer(settings: Settings):
    return warehouse.connect(
        settings.catalog,
        memory_limit=settings.duckdb_memory_limit,
        endpoint_url=settings.endpoint_url,
    )
