"""A run's identity and its outcome: counted once, shown in the terminal, the artifact and SQL."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from newsetl.common import markdown as md
from newsetl.quality.decide import Verdict, worst_rows

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
    "unread",
    "warnings",
)


# How a run's summary names a failed enrichment among the steps after its commit.
ENRICHMENT_FAILED = "enrichment failed"


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
    status: str = "completed"  # completed | failed_quality | dry_run
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
    unread: int = 0
    warnings: int = 0
    finished_at: datetime | None = None
    data_docs: str | None = None
    snapshot_id: int | None = None  # the DuckLake snapshot the run committed as
    failed_expectations: list[dict] = field(default_factory=list)
    worst_rows: list[dict] = field(default_factory=list)
    # Objects this run could not read: {"key", "reason"}; not loaded, not deleted, read again by
    # the next run.
    unread_objects: list[dict] = field(default_factory=list)
    # Steps after the commit that failed (Data Docs, the artifact); the next run heals them.
    followup_errors: list[str] = field(default_factory=list)
    # With --enrich, the enrichment's summary (newsetl.enrich.run.Summary, and the `warnings`
    # of its quality suite); None when it was not asked for or failed (see followup_errors).
    enrichment: dict | None = None
    # A dry run's few example keys per change (new, changed, unchanged, deleted, unread, ignored).
    plan_examples: dict[str, list[str]] = field(default_factory=dict)

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

    def record_unread(self, unread: list[tuple[str, str]]) -> None:
        self.unread_objects += [{"key": key, "reason": reason} for key, reason in unread]
        self.unread = len(self.unread_objects)

    def unread_frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "run_id": [self.run_id] * self.unread,
                "key": [o["key"] for o in self.unread_objects],
                "reason": [o["reason"] for o in self.unread_objects],
            },
            schema={"run_id": pl.String, "key": pl.String, "reason": pl.String},
        )

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    def accounted(self) -> bool:
        """Every listed object is in exactly one place: ignored, unchanged, loaded, quarantined
        or unread (left for the next run)."""
        placed = self.ignored + self.unchanged + self.loaded + self.quarantined + self.unread
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
        """The Prefect artifact: counts, failed expectations by severity, the worst rows, the
        objects not read. Keys and reasons come from the bucket: escaped, never markup."""
        lines = [
            f"# newsetl run {md.code(self.run_id)}: {md.text(self.status)}",
            "",
            f"Source {md.code(self.source)} into {md.code(self.db)} in {self.seconds:.1f} s.",
        ]
        if self.message and not self.ok:
            lines += ["", f"**{md.text(self.message)}**"]
        lines += ["", "| count | value |", "|---|---:|"]
        lines += [f"| {name} | {value} |" for name, value in self.counts().items()]
        for severity in ("critical", "warning"):
            failed = [e for e in self.failed_expectations if e["severity"] == severity]
            lines += ["", f"## Failed {severity} expectations ({len(failed)})", ""]
            if failed:
                lines += ["| suite | expectation | column | unexpected |", "|---|---|---|---:|"]
                lines += [
                    f"| {md.text(e['suite'])} | {md.text(e['expectation'])} "
                    f"| {md.text(e['column_name'] or '')} | {e['unexpected_count']} |"
                    for e in failed
                ]
            else:
                lines.append("None.")
        lines += ["", "## Worst rows", ""]
        if self.worst_rows:
            lines += ["| key | destination | reasons |", "|---|---|---|"]
            lines += [
                f"| {md.code(r['key'])} | {md.text(r['destination'])} "
                f"| {md.text(', '.join(r['reasons']))} |"
                for r in self.worst_rows
            ]
        else:
            lines.append("None.")
        if self.unread_objects:
            lines += ["", f"## Not read ({self.unread}): the next run reads them again", ""]
            lines += ["| key | reason |", "|---|---|"]
            lines += [
                f"| {md.code(o['key'])} | {md.text(o['reason'])} |" for o in self.unread_objects
            ]
        if self.followup_errors:
            lines += ["", "## Steps after the commit that failed", ""]
            lines += [f"- {md.text(error)}" for error in self.followup_errors]
        if self.enrichment is not None:
            lines += ["", "## Enrichment", ""]
            lines += [f"- {md.text(line)}" for line in enrichment_lines(self.enrichment)]
        if self.snapshot_id is not None:
            lines += ["", f"Lake snapshot: {self.snapshot_id}"]
        if self.data_docs:
            lines += ["", f"Data Docs: {md.code(self.data_docs)}"]
        return "\n".join(lines) + "\n"


def enrichment_lines(enrichment: dict) -> list[str]:
    """What an enrichment did, in a few lines of plain text (entity names are not in them; the
    warnings name languages and story ids)."""
    if enrichment.get("snapshot_id") is None:
        return ["nothing to enrich: no article changed since the last enrichment"]
    lines = [
        f"enriched {enrichment['articles']} article(s), forgot {enrichment['forgotten']}: "
        f"{enrichment['mentions']} mention(s), {enrichment['stories']} story(ies), "
        f"snapshot {enrichment['snapshot_id']}"
    ]
    lines += [f"warning: {line}" for line in enrichment.get("warnings") or []]
    return lines
