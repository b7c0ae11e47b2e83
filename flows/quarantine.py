"""Retry the quarantine: re-parse and re-validate held objects from their stored bytes."""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from flows.ingest import finish, new_summary, process_plan
from flows.params import run_settings
from newsetl.lake.quarantine import QuarantineSource
from newsetl.lake.staging import exclusive_run
from newsetl.quality.summary import RunSummary
from newsetl.source.plan import plan_retry
from tasks.fetch import list_objects
from tasks.state import open_warehouse


@flow(name="retry-quarantine", task_runner=ThreadPoolTaskRunner(max_workers=2))
def retry_quarantine(
    db: str = "warehouse/news.sqlite",
    reports_dir: str = "reports",
    lock_timeout: float = 60.0,
) -> RunSummary:
    """Rows that now pass move to articles and leave the quarantine in one transaction; the rest
    stay held with their new reasons. The share threshold does not apply: nothing new comes in."""
    settings = run_settings(
        source=QuarantineSource.SCHEME + db,
        db=db,
        pattern="*",
        workers=1,
        critical_threshold=1.0,
        lock_timeout=lock_timeout,
        reports_dir=Path(reports_dir),
    )
    summary = new_summary(settings)
    with exclusive_run(settings, summary.run_id) as stage:
        known = open_warehouse(settings)
        listing = list_objects(settings)
        if listing.matched.is_empty():
            summary.message = "the quarantine is empty"
            return summary
        plan = plan_retry(listing.matched, known.objects)
        summary.record_plan(plan, ignored=0)
        summary = process_plan(settings, summary, listing.matched, plan, known, stage)
    return finish(settings, summary)
