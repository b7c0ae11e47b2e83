"""The enrichment as a Prefect task: a thin wrapper over newsetl.enrich.run under the writer
lock. Nothing here retries: a failed enrichment commits nothing and the next run reads the same
changes again."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl.common.settings import Settings
from newsetl.enrich.batch import Options
from newsetl.enrich.run import enrich_lake
from newsetl.lake import connection, lock
from newsetl.lake.migrations import prepare


@task(name="enrich-lake", cache_policy=NO_CACHE)
def enrich_task(settings: Settings, everything: bool = False) -> dict:
    catalog = settings.catalog
    with lock.writer_lock(catalog, settings.lock_timeout):
        con = connection.connect(
            catalog, endpoint_url=settings.endpoint_url, memory_limit=settings.duckdb_memory_limit
        )
        try:
            prepare(con)
            summary = enrich_lake(con, Options.of(settings), everything=everything).as_dict()
        finally:
            con.close()
    get_run_logger().info("enrichment of %s: %s", catalog.describe(), summary)
    return summary
