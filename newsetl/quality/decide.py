"""What a validation failure does. GX says which expectations failed for which keys; this module
turns that into a destination per object and a verdict for the run."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

DECISION_SCHEMA = {
    "key": pl.String(),
    "destination": pl.String(),  # articles | quarantine
    "reasons": pl.List(pl.String()),
    "warnings": pl.List(pl.String()),
    "content_sha256": pl.String(),
    "source_encoding": pl.String(),
}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def decide_rows(
    checks: pl.DataFrame,
    critical: dict[str, list[str]],
    warnings: dict[str, list[str]],
) -> pl.DataFrame:
    """A row goes to quarantine when it failed a critical expectation, or when the parser could not
    make an article of it at all (so a suite edited to be lenient still cannot lose bytes)."""
    rows = []
    for key, status, parser_reasons, sha, encoding in checks.select(
        "key", "content_status", "parser_reasons", "content_sha256", "source_encoding"
    ).iter_rows():
        reasons = critical.get(key, [])
        if status != "ok" and not reasons:
            reasons = [f"parser: {reason}" for reason in parser_reasons] or [f"parser: {status}"]
        destination = "quarantine" if reasons else "articles"
        rows.append((key, destination, reasons, warnings.get(key, []), sha, encoding))
    return pl.DataFrame(rows, schema=DECISION_SCHEMA, orient="row")


def verdict(
    processed: int, quarantined: int, threshold: float, batch_failures: list[str]
) -> Verdict:
    """Fail the whole run when the listing itself is wrong or too much of the batch is critical:
    that is a broken upstream dump, and loading a fraction of it would mislead every consumer."""
    if batch_failures:
        return Verdict(False, "batch expectations failed: " + ", ".join(sorted(batch_failures)))
    if processed and quarantined / processed > threshold:
        share = quarantined / processed
        return Verdict(
            False,
            f"{quarantined} of {processed} objects ({share:.0%}) failed critical expectations, "
            f"above the {threshold:.0%} threshold; nothing was loaded",
        )
    return Verdict(True, "ok")


def worst_rows(decisions: pl.DataFrame, limit: int = 10) -> list[dict]:
    """Quarantined rows first, then those with most warnings: what a reader should look at."""
    ranked = (
        decisions.with_columns(
            held=(pl.col("destination") == "quarantine").cast(pl.Int8),
            problems=pl.col("reasons").list.len() + pl.col("warnings").list.len(),
        )
        .filter(pl.col("problems") > 0)
        .sort(["held", "problems", "key"], descending=[True, True, False])
        .head(limit)
    )
    return [
        {"key": key, "destination": dest, "reasons": [*reasons, *warns]}
        for key, dest, reasons, warns in ranked.select(
            "key", "destination", "reasons", "warnings"
        ).iter_rows()
    ]
