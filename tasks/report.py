"""Reports people read: GX Data Docs and a Prefect markdown artifact per run."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from newsetl.common.settings import Settings
from newsetl.quality.summary import RunSummary
from tasks.retry import retry_unless_permanent
from tasks.validate import engine_for


@task(
    name="build-data-docs",
    retries=1,
    retry_condition_fn=retry_unless_permanent,
    cache_policy=NO_CACHE,
)
def build_data_docs(settings: Settings) -> str:
    index = engine_for(settings).build_data_docs(lock_timeout=settings.lock_timeout)
    get_run_logger().info("Data Docs at %s", index)
    return str(index)


@task(name="publish-summary", cache_policy=NO_CACHE)
def publish_summary(summary: RunSummary) -> None:
    create_markdown_artifact(
        key="newsetl-run-summary",
        markdown=summary.markdown(),
        description=f"newsetl run {summary.run_id}: {summary.status}",
    )
