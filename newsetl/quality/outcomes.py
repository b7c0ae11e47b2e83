"""What a validation says, as plain data the pipeline acts on: each expectation's outcome, the rows
that failed it, a suite's report and its status by severity, and GX's results turned into these.
No GX import: the results are read by attribute, so the run's side never imports GX."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass


SEVERITIES = ("critical", "warning")


ARTICLES_SUITE = "articles"


BATCH_SUITE = "batch"


DRIFT_SUITE = "drift"


ENRICHMENT_SUITE = "enrichment"


KEY_COLUMN = "key"


# Suite parameter (GX `$PARAMETER`) for the upper date bound, known only at run time.
MAX_PUBLISHED_DATE_PARAMETER = "max_published_date"


SAMPLE_SIZE = 20  # unexpected values/keys kept in outcome details and in stored results


MAX_VALUE_CHARS = 200  # long strings (titles that swallowed a body) are cut in samples


# A validation's status by severity: GX says failed whenever any expectation failed.
PASSED, PASSED_WITH_WARNINGS, FAILED = "passed", "passed_with_warnings", "failed"


class QualityError(RuntimeError):
    """A suite is malformed or GX could not evaluate an expectation: never a data failure."""


@dataclass(frozen=True)
class ExpectationOutcome:
    """How one expectation fared on one validated frame."""

    suite: str
    expectation: str  # meta.name in the suite JSON
    expectation_type: str
    column_name: str | None
    severity: str  # critical | warning
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float
    details: dict  # JSON-serialisable: kwargs and a bounded sample of unexpected values


@dataclass(frozen=True)
class RowFailure:
    """One row (by key) that failed one expectation."""

    key: str
    suite: str
    expectation: str
    severity: str


@dataclass
class ValidationReport:
    """Everything the pipeline needs from one validation; table-level failures have no rows."""

    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    row_failures: list[RowFailure] = field(default_factory=list)

    def critical_keys(self) -> set[str]:
        """Keys to reject. Table-level critical failures carry no keys: check `failed`."""
        return {f.key for f in self.row_failures if f.severity == "critical"}

    def reasons_by_key(self, severity: str) -> dict[str, list[str]]:
        """key -> sorted names of the expectations of this severity that the row failed."""
        reasons: dict[str, set[str]] = {}
        for f in self.row_failures:
            if f.severity == severity:
                reasons.setdefault(f.key, set()).add(f.expectation)
        return {key: sorted(names) for key, names in reasons.items()}

    def failed(self, severity: str) -> list[ExpectationOutcome]:
        """Failed expectations of this severity, row-level and table-level alike."""
        return [o for o in self.outcomes if not o.success and o.severity == severity]


def validation_status(outcomes: Iterable[tuple[bool, str, bool]]) -> str:
    """(success, severity, raised an exception) per expectation -> passed, passed_with_warnings
    or failed. A failed critical expectation fails the validation, and so does an expectation
    GX could not evaluate, whatever its severity; failed warnings alone pass it with warnings."""
    status = PASSED
    for success, severity, raised in outcomes:
        if raised or (not success and severity != "warning"):
            return FAILED
        if not success:
            status = PASSED_WITH_WARNINGS
    return status


def report_from_result(suite_name: str, result: Any) -> ValidationReport:
    report = ValidationReport()
    for evr in result.results:
        config = evr.expectation_config
        name = config.meta["name"]
        severity = getattr(config.severity, "value", config.severity)
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        details: dict[str, Any] = {"kwargs": json_safe(kwargs)}
        res = evr.result or {}
        message = exception_message(evr.exception_info)
        if message:
            details["exception"] = message
        if "observed_value" in res:
            details["observed_value"] = json_safe(res["observed_value"])
        unexpected_count = int(res.get("unexpected_count") or 0)
        index_list = res.get("unexpected_index_list")
        if index_list is not None:
            keys = [str(row[KEY_COLUMN]) for row in index_list]
            if len(keys) != unexpected_count:
                raise QualityError(
                    f"{suite_name}.{name}: GX named {len(keys)} rows for "
                    f"{unexpected_count} unexpected values; cannot map failures to keys"
                )
            report.row_failures.extend(RowFailure(k, suite_name, name, severity) for k in keys)
            details["unexpected_sample"] = json_safe(index_list[:SAMPLE_SIZE])
            details["unexpected_value_counts"] = json_safe(res.get("partial_unexpected_counts", []))
        percent = res.get("unexpected_percent")
        report.outcomes.append(
            ExpectationOutcome(
                suite=suite_name,
                expectation=name,
                expectation_type=config.type,
                column_name=config.kwargs.get("column"),
                severity=severity,
                success=bool(evr.success),
                element_count=int(res.get("element_count") or 0),
                unexpected_count=unexpected_count,
                unexpected_percent=float(percent) if percent is not None else 0.0,
                details=details,
            )
        )
    return report


def exception_message(info: Any) -> str | None:
    """GX reports either one exception or one per failing metric; return the first message."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def json_safe(value: Any) -> Any:
    """Plain JSON types only; NaN/NaT/NA become None and long strings are cut."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "…"
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    if type(value).__name__ == "datetime64":
        return str(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return json_safe(item())
        except (TypeError, ValueError):
            pass
    return json_safe(str(value))
