"""A run's identity and its outcome: counted once, shown in the terminal, the artifact and SQL."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from newsetl.decide import Verdict, worst_rows

COUNTS = (
    "listed",
    "ignored",
    "unchanged",
    "new",
    "changed",
    "refreshed",
    "deleted",
    "loaded",
    "quarantined",
    "warnings",
)


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@dataclass
class RunSummary:
    run_id: str
    source: str
    db: str
    started_at: datetime
    flow_run_id: str | None = None
    status: str = "completed"  # completed | failed_quality
    message: str = ""
    listed: int = 0
    ignored: int = 0
    unchanged: int = 0
    new: int = 0
    changed: int = 0
    refreshed: int = 0
    deleted: int = 0
    loaded: int = 0
    quarantined: int = 0
    warnings: int = 0
    finished_at: datetime | None = None
    data_docs: str | None = None
    snapshot_id: int | None = None  # the DuckLake snapshot the run committed as
    failed_expectations: list[dict] = field(default_factory=list)
    worst_rows: list[dict] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        end = self.finished_at or datetime.now(UTC)
        return (end - self.started_at).total_seconds()

    @property
    def ok(self) -> bool:
        return self.status == "completed"

    def record_plan(self, plan: pl.DataFrame, ignored: int) -> None:
        """Counts from the plan: what was listed and what changed since the last run."""
        by_change = dict(plan.group_by("change").len().iter_rows())
        refreshed = plan.filter(pl.col("process") & (pl.col("change") == "unchanged")).height
        self.ignored = ignored
        self.listed = ignored + plan.height - by_change.get("deleted", 0)
        self.new = by_change.get("new", 0)
        self.changed = by_change.get("changed", 0)
        self.deleted = by_change.get("deleted", 0)
        self.refreshed = refreshed
        self.unchanged = by_change.get("unchanged", 0) - refreshed

    def record_validation(
        self, decisions: pl.DataFrame, failed: list[Any], verdict: Verdict
    ) -> None:
        """Counts from the decisions; a run that failed its quality gate loads nothing."""
        self.worst_rows = worst_rows(decisions)
        self.failed_expectations = [dict(outcome.__dict__) for outcome in failed]
        if not verdict.passed:
            self.status = "failed_quality"
            self.message = verdict.message
            return
        to_articles = pl.col("destination") == "articles"
        self.loaded = decisions.filter(to_articles).height
        self.quarantined = decisions.height - self.loaded
        self.warnings = decisions.filter(to_articles & (pl.col("warnings").list.len() > 0)).height

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def accounted(self) -> bool:
        """Every listed object is in exactly one place."""
        placed = self.ignored + self.unchanged + self.loaded + self.quarantined
        return self.status != "completed" or placed == self.listed

    def run_row(self) -> pl.DataFrame:
        row = {
            "run_id": self.run_id,
            "flow_run_id": self.flow_run_id,
            "source": self.source,
            "started_at": self.started_at,
            "finished_at": self.finished_at or datetime.now(UTC),
            "status": self.status,
            "message": self.message,
            **self.counts(),
        }
        return pl.DataFrame([row])

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data

    def markdown(self) -> str:
        """The Prefect artifact: counts, failed expectations by severity, the worst rows."""
        lines = [
            f"# newsetl run `{self.run_id}`: {self.status}",
            "",
            f"Source `{self.source}` into `{self.db}` in {self.seconds:.1f} s.",
        ]
        if self.message and not self.ok:
            lines += ["", f"**{self.message}**"]
        lines += ["", "| count | value |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in self.counts().items()]
        for severity in ("critical", "warning"):
            failed = [e for e in self.failed_expectations if e["severity"] == severity]
            lines += ["", f"## Failed {severity} expectations ({len(failed)})", ""]
            if failed:
                lines += ["| suite | expectation | column | unexpected |", "|---|---|---|---:|"]
                lines += [
                    f"| {e['suite']} | {e['expectation']} | {e['column_name'] or ''} "
                    f"| {e['unexpected_count']} |"
                    for e in failed
                ]
            else:
                lines.append("None.")
        lines += ["", "## Worst rows", ""]
        if self.worst_rows:
            lines += ["| key | destination | reasons |", "|---|---|---|"]
            lines += [
                f"| `{r['key']}` | {r['destination']} | {', '.join(r['reasons'])} |"
                for r in self.worst_rows
            ]
        else:
            lines.append("None.")
        if self.snapshot_id is not None:
            lines += ["", f"Lake snapshot: {self.snapshot_id}"]
        if self.data_docs:
            lines += ["", f"Data Docs: `{self.data_docs}`"]
        return "\n".join(lines) + "\n"
