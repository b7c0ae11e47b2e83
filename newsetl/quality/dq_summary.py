"""The daily data-quality summary: rows read from the warehouse in, markdown out.

Nothing here talks to Prefect or DuckDB, so the wording and arithmetic are tested on plain
values; `flows/report.py` reads the rows (sql/quality/) and publishes the artifact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsetl.quality.outcomes import SEVERITIES
from newsetl.quality.summary import COUNTS

ARTIFACT_KEY = "newsetl-quality-summary"  # the Prefect markdown artifact, one per dq-report run
REPORT_ARTIFACT_KEY = "newsetl-dq-report"  # the Prefect link artifact to the report page
HISTORY_RUNS = 10  # runs shown in the pass-rate table


def records(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """DB-API rows (cursor description + fetchall) as dicts keyed by column name."""
    return [dict(zip(columns, row, strict=True)) for row in rows]


@dataclass(frozen=True)
class FailedExpectation:
    suite: str
    expectation: str
    column_name: str | None
    severity: str
    unexpected_count: int
    unexpected_percent: float


@dataclass(frozen=True)
class RunQuality:
    """One ingest run's expectation outcomes (one row of sql/quality/pass_rates.sql)."""

    run_id: str
    started_at: datetime
    status: str
    loaded: int
    quarantined: int
    evaluated: int
    passed: int
    failed_critical: int
    failed_warning: int

    @property
    def pass_rate(self) -> float | None:
        """Share of evaluated expectations that passed; None when nothing was evaluated."""
        return self.passed / self.evaluated if self.evaluated else None


@dataclass(frozen=True)
class QualitySummary:
    """What the warehouse says about data quality: the newest run and the recent trend."""

    db: str
    latest: dict[str, Any] | None = None  # newest ingest_runs row (sql/quality/latest_run.sql)
    failed: list[FailedExpectation] = field(default_factory=list)  # the newest run's failures
    history: list[RunQuality] = field(default_factory=list)  # newest first
    data_docs: str | None = None
    report_page: str | None = None  # the page with the charts (newsetl.quality.report_page)

    @property
    def status(self) -> str:
        return self.latest["status"] if self.latest else "no runs"

    def failed_by_severity(self) -> dict[str, list[FailedExpectation]]:
        """Every known severity is present (possibly empty), unknown ones are kept after them."""
        grouped: dict[str, list[FailedExpectation]] = {s: [] for s in SEVERITIES}
        for expectation in self.failed:
            grouped.setdefault(expectation.severity, []).append(expectation)
        return grouped

    def description(self) -> str:
        if not self.latest:
            return f"newsetl quality: no ingest runs in {self.db}"
        counts = ", ".join(
            f"{len(items)} {severity}" for severity, items in self.failed_by_severity().items()
        )
        return f"newsetl quality: run {self.latest['run_id']} {self.status}; failed {counts}"

    def markdown(self) -> str:
        lines = [f"# newsetl data quality: {self.status}", "", f"Warehouse `{self.db}`."]
        if not self.latest:
            lines += ["", "No ingest run has been recorded yet."]
            return self._with_docs(lines)
        latest = self.latest
        lines += [
            "",
            f"## Latest run `{latest['run_id']}`",
            "",
            f"Source `{latest['source']}`, started {_when(latest['started_at'])}, "
            f"status **{latest['status']}**.",
        ]
        if latest.get("message"):
            lines += ["", f"> {latest['message']}"]
        lines += ["", "| count | value |", "|---|---:|"]
        lines += [f"| {name} | {latest[name]} |" for name in COUNTS if name in latest]
        for severity, failed in self.failed_by_severity().items():
            lines += ["", f"### Failed {severity} expectations ({len(failed)})", ""]
            if not failed:
                lines.append("None.")
                continue
            lines += [
                "| suite | expectation | column | unexpected | % |",
                "|---|---|---|---:|---:|",
            ]
            lines += [
                f"| {e.suite} | {e.expectation} | {e.column_name or ''} "
                f"| {e.unexpected_count} | {e.unexpected_percent:.1f} |"
                for e in failed
            ]
        lines += [
            "",
            f"## Pass rate per run (newest {len(self.history)})",
            "",
            "| run | started | status | expectations passed | pass rate | failed critical "
            "| failed warning | loaded | quarantined |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| `{r.run_id}` | {_when(r.started_at)} | {r.status} | {r.passed}/{r.evaluated} "
            f"| {_percent(r.pass_rate)} | {r.failed_critical} | {r.failed_warning} "
            f"| {r.loaded} | {r.quarantined} |"
            for r in self.history
        ]
        return self._with_docs(lines)

    def _with_docs(self, lines: list[str]) -> str:
        if self.report_page:
            lines += ["", f"Report page with charts: `{self.report_page}`"]
        if self.data_docs:
            lines += ["", f"Data Docs: `{self.data_docs}`"]
        return "\n".join(lines) + "\n"


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.1%}"


def _when(value: datetime | str) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if isinstance(value, datetime) else value
