"""Validate a run with Great Expectations and decide where every object goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from newsetl.common.settings import Settings
from newsetl.parse.chunk import ChunkOutcome
from newsetl.parse.rows import CHECK_SCHEMA, VALIDATION_SCHEMA, mark_duplicates
from newsetl.quality.decide import Verdict, decide_rows, verdict
from newsetl.quality.drift import UNKNOWN_COLUMNS, drift_frame
from newsetl.quality.outcomes import ValidationReport
from newsetl.quality.process import EngineProcess, engine_process


def engine_for(settings: Settings) -> EngineProcess:
    return engine_process(settings.expectations_dir, settings.reports_dir / "gx")


@dataclass
class Validation:
    decisions: pl.DataFrame
    reports: list[ValidationReport]
    verdict: Verdict
    checks: pl.DataFrame


@task(name="validate", cache_policy=NO_CACHE)
def validate_run(
    settings: Settings,
    run_id: str,
    listing: pl.DataFrame,
    outcomes: list[ChunkOutcome],
    live_hashes: pl.DataFrame,
    drift_baseline: pl.DataFrame,
) -> Validation:
    engine = engine_for(settings)
    checks = pl.concat(
        [o.checks for o in outcomes] or [pl.DataFrame(schema=CHECK_SCHEMA)], how="vertical"
    )
    others = live_hashes.join(checks.select("key"), on="key", how="anti")
    checks = mark_duplicates(checks, others)
    wait = settings.lock_timeout  # for the reports folder, which a dq-report may be writing
    batch = engine.validate_batch(listing.select("key", "size"), run_name=run_id, lock_timeout=wait)
    articles = engine.validate_articles(
        checks.select(list(VALIDATION_SCHEMA)),
        run_date=datetime.now(UTC).date(),
        run_name=run_id,
        lock_timeout=wait,
    )
    parsed = checks.filter(pl.col("content_status") == "ok")
    drift = engine.validate_drift(
        drift_frame(
            parsed.select("key", "published_date", "title_length", *UNKNOWN_COLUMNS),
            drift_baseline,
        ),
        run_name=run_id,
        lock_timeout=wait,
    )
    for prefix, names in drift.reasons_by_key("warning").items():
        get_run_logger().warning("layout drift in prefix %r: %s", prefix, ", ".join(names))
    decisions = decide_rows(
        checks, articles.reasons_by_key("critical"), articles.reasons_by_key("warning")
    )
    quarantined = decisions.filter(pl.col("destination") == "quarantine").height
    result = verdict(
        processed=checks.height,
        quarantined=quarantined,
        threshold=settings.critical_threshold,
        batch_failures=[o.expectation for o in batch.failed("critical")],
    )
    get_run_logger().info(
        "validated %d objects: %d to quarantine, verdict %s", checks.height, quarantined, result
    )
    return Validation(
        decisions=decisions, reports=[batch, articles, drift], verdict=result, checks=checks
    )
