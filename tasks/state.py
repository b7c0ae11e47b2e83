"""Open the warehouse for a run: migrate it, read the state the plan compares against."""

from __future__ import annotations

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl import warehouse
from newsetl.settings import Settings


@task(name="open-warehouse", cache_policy=NO_CACHE)
def open_warehouse(settings: Settings) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Returns (source state, live article hashes)."""
    con = warehouse.connect(settings.db, timeout=settings.lock_timeout)
    try:
        applied = warehouse.migrate(con)
        if applied:
            get_run_logger().info("applied migrations: %s", ", ".join(applied))
        return warehouse.read_state(con), warehouse.live_article_hashes(con)
    finally:
        con.close()
