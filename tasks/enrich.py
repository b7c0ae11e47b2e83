"""The enrichment as Prefect tasks: thin wrappers over newsetl.enrich.run under the writer
lock, and over its quality suite (newsetl.quality.enrichment) in the GX process. Nothing here
retries: a failed enrichment commits nothing and the next run reads the same changes again."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl.common.settings import Settings
from newsetl.enrich.batch import Options
from newsetl.enrich.run import enrich_lake
from newsetl.lake import connection, lock
from newsetl.lake.migrations import prepare
from newsetl.quality.enrichment import check_enrichment
from tasks.validate import engine_for


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


@task(name="validate-enrichment", cache_policy=NO_CACHE)
def validate_enrichment(settings: Settings, run_id: str, snapshot_id: int) -> list[str]:
    """The enrichment suite on what the enrichment committed as `snapshot_id`, read-only, in
    the GX process; its result is stored for the Data Docs. Returns the warnings."""
    con = connection.connect(settings.catalog, read_only=True, endpoint_url=settings.endpoint_url)
    try:
        warnings = check_enrichment(
            engine_for(settings), con, run_id, snapshot_id, settings.lock_timeout
        )
    finally:
        con.close()
    for line in warnings:
        get_run_logger().warning("enrichment %s: %s", run_id, line)
    return warnings
