"""The enrichment's quality. The lake gives, for one enrichment, the share of its articles with
at least one entity per language and the size and span of the stories they are in
(sql/quality/enrichment_frame.sql); GX decides which rows fail (expectations/enrichment.json);
this module says what a failure does: a warning of the enrichment, in its summary and log. The
enrichment never blocks ingest, and its tables are committed when it is checked, so no failure
undoes anything; `newsetl enrich --all` redoes every article."""

from __future__ import annotations

from typing import Any, Protocol

import polars as pl

from newsetl.common.sqlfiles import sql_file
from newsetl.quality.outcomes import ValidationReport

# One row per language of the enriched articles and one per story they are in; the key names it
# ('language kk', 'story 3f…'), as GX names failing rows by `key`.
ENRICHMENT_SCHEMA = {
    "kind": pl.String(),  # language | story
    "key": pl.String(),
    "articles": pl.Int64(),
    "entity_share": pl.Float64(),  # language rows: share of articles with an entity mention
    "span_days": pl.Int64(),  # story rows: days from the first to the last publication date
}


def enrichment_frame(con: Any, snapshot_id: int) -> pl.DataFrame:
    """The rows of the enrichment committed as `snapshot_id`, from a lake attached as `news`."""
    cursor = con.execute(sql_file("quality/enrichment_frame.sql"), {"snapshot": snapshot_id})
    columns = [column[0] for column in cursor.description]
    return pl.DataFrame(cursor.fetchall(), schema=columns, orient="row").select(
        [pl.col(name).cast(dtype) for name, dtype in ENRICHMENT_SCHEMA.items()]
    )


class Validates(Protocol):
    """The engine, in this process (QualityEngine) or in the GX process (EngineProcess)."""

    def validate_enrichment(
        self, frame: pl.DataFrame, *, run_name: str, lock_timeout: float | None = None
    ) -> ValidationReport: ...


def check_enrichment(
    engine: Validates, con: Any, run_id: str, snapshot_id: int, lock_timeout: float | None = None
) -> list[str]:
    """Validate what the enrichment `run_id` committed as `snapshot_id` (its result is stored
    for the Data Docs) and return its warnings."""
    report = engine.validate_enrichment(
        enrichment_frame(con, snapshot_id), run_name=f"enrich-{run_id}", lock_timeout=lock_timeout
    )
    return enrichment_warnings(report)


def enrichment_warnings(report: ValidationReport) -> list[str]:
    """One line per failed expectation, whatever its severity, naming the rows that failed it
    (a few, then how many more): what the enrichment's summary and log say."""
    lines = []
    for outcome in report.outcomes:
        if outcome.success:
            continue
        keys = sorted({f.key for f in report.row_failures if f.expectation == outcome.expectation})
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        lines.append(f"{outcome.expectation}: {shown or 'failed'}")
    return lines
