"""The enrichment flow, after ingest: entities, stories and near-duplicates of the articles
ingest added or changed since the last enrichment (newsetl.enrich). Its deployment runs when an
ingest flow run completes (prefect.yaml); it never blocks ingest, and a failed run is made good
by the next one, which reads the same changes."""

from __future__ import annotations

from prefect import flow

from flows.params import run_settings
from tasks.enrich import enrich_task


@flow(name="enrich-news")
def enrich_news(
    db: str = "warehouse/news.sqlite",
    data_path: str | None = None,
    endpoint_url: str | None = None,
    all_articles: bool = False,
    lock_timeout: float = 3600.0,
) -> dict:
    settings = run_settings(
        db=db, data_path=data_path, endpoint_url=endpoint_url, lock_timeout=lock_timeout
    )
    return enrich_task(settings, all_articles)
