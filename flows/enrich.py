"""The enrichment flow, after ingest: entities, stories and near-duplicates of the articles
ingest added or changed since the last enrichment (newsetl.enrich), then the enrichment suite
on what it wrote (newsetl.quality.enrichment) and the Data Docs. Its deployment runs when an
ingest flow run completes (prefect.yaml), and `newsetl run --enrich` runs it after the ingest in
the same flow run (flows/ingest.py); it never blocks ingest, and a failed run is made good by
the next one, which reads the same changes."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from flows.params import first_line, run_settings
from newsetl.common import interrupt, progress
from newsetl.common.settings import Settings
from tasks.enrich import enrich_task, validate_enrichment
from tasks.report import build_data_docs


def enrich_and_check(settings: Settings, everything: bool = False) -> dict:
    """The enrichment, committed, then its suite. The enrichment's failure is raised: it
    committed nothing. The suite's findings are `warnings`; a suite that cannot run is put in
    `followup_errors`: the enrichment is committed by then either way."""
    progress.phase("enriching")
    summary = enrich_task(settings, everything)
    summary.update(warnings=[], followup_errors=[])
    if summary["snapshot_id"] is None:
        return summary  # nothing changed since the last enrichment
    try:
        summary["warnings"] = validate_enrichment(
            settings, summary["run_id"], summary["snapshot_id"]
        )
    except Exception as exc:
        if interrupt.stopping():
            raise
        summary["followup_errors"].append(f"enrichment quality: {first_line(exc)}")
    return summary


@flow(name="enrich-news")
def enrich_news(
    db: str = "warehouse/news.sqlite",
    data_path: str | None = None,
    endpoint_url: str | None = None,
    all_articles: bool = False,
    lock_timeout: float = 3600.0,
    reports_dir: str = "reports",
) -> dict:
    settings = run_settings(
        db=db,
        data_path=data_path,
        endpoint_url=endpoint_url,
        lock_timeout=lock_timeout,
        reports_dir=Path(reports_dir),
    )
    summary = enrich_and_check(settings, all_articles)
    if summary["snapshot_id"] is not None and not summary["followup_errors"]:
        try:
            summary["data_docs"] = build_data_docs(settings)
        except Exception as exc:
            if interrupt.stopping():
                raise
            summary["followup_errors"].append(f"Data Docs: {first_line(exc)}")
    for error in summary["followup_errors"]:
        get_run_logger().error("enrichment committed, but a step after it failed: %s", error)
    return summary
