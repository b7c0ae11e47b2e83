"""The weekly maintenance flow: the lake's small files merged, old snapshots expired, files
nothing references deleted (newsetl.lake.maintain). It takes the writer lock, so a run waits
for it."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.params import run_settings
from newsetl.common.settings import Settings
from newsetl.lake import connection, lock
from newsetl.lake.maintain import maintain


@task(name="maintain-lake", cache_policy=NO_CACHE)
def maintain_task(settings: Settings, retention_days: int) -> dict[str, int]:
    catalog = settings.catalog
    with lock.writer_lock(catalog, settings.lock_timeout):
        con = connection.connect(
            catalog,
            endpoint_url=settings.endpoint_url,
            memory_limit=settings.duckdb_maintain_memory_limit,
        )
        try:
            done = maintain(con, retention_days).as_dict()
        finally:
            con.close()
    get_run_logger().info("maintenance of %s: %s", catalog.describe(), done)
    return done


@flow(name="lake-maintenance")
def maintain_lake(
    db: str = "warehouse/news.sqlite",
    endpoint_url: str | None = None,
    retention_days: int = 30,
    lock_timeout: float = 3600.0,
) -> dict[str, int]:
    settings = run_settings(db=db, endpoint_url=endpoint_url, lock_timeout=lock_timeout)
    return maintain_task(settings, retention_days)
