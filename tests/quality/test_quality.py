"""The quality engine against real GX, real suite JSON and a real file context in tmp_path.

GX takes seconds to import and set up, so one engine serves the whole module; tests that
need other suites or settings build their own engine (cheap once GX is imported).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from newsetl.parse.rows import VALIDATION_SCHEMA
from newsetl.quality import engine as quality
from newsetl.quality import outcomes as dq
from newsetl.quality.engine import QualityEngine
from newsetl.quality.outcomes import QualityError, ValidationReport
from tests.conftest import ROOT

REPO_SUITES = ROOT / "expectations"
RUN_DATE = date(2026, 11, 23)
RUN_NAME = "ingest-20261123T160000-abc123"

SCHEMA = VALIDATION_SCHEMA  # the columns the pipeline hands to GX


def row(key: str, **overrides: Any) -> dict[str, Any]:
    """A row that passes every expectation, with boundary values where there is a bound."""
    base = {
        "key": key,
        "content_status": "ok",
        "title": "Астанада жаңа мектеп ашылды",
        "title_length": 400,
        "body_length": 200,
        "title_equals_body": False,
        "language": "kk",
        "published_date": RUN_DATE,
        "dateline_date": RUN_DATE,
        "mixed_script_count": 0,
        "mojibake_repaired": False,
        "duplicate_of": None,
    }
    return base | overrides


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA)


def with_bad(**overrides: Any) -> pl.DataFrame:
    """Two good rows (one at the old date bound) and one row violating one thing."""
    return frame(
        row("good-1"),
        row("good-2", language="ru", published_date=date(1991, 12, 16), dateline_date=None),
        row("bad", **overrides),
    )


def copy_suites(target: Path) -> Path:
    shutil.copytree(REPO_SUITES, target)
    return target


def edit_expectation(suites_dir: Path, suite: str, name: str, **fields: Any) -> None:
    path = suites_dir / f"{suite}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for expectation in data["expectations"]:
        if expectation["meta"]["name"] == name:
            expectation.update(fields)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def outcome(report: ValidationReport, name: str) -> dq.ExpectationOutcome:
    (found,) = [o for o in report.outcomes if o.expectation == name]
    return found


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("quality")


@pytest.fixture(scope="module")
def engine(workdir: Path) -> QualityEngine:
    suites = copy_suites(workdir / "expectations")
    return QualityEngine(suites, workdir / "reports" / "gx")


def test_repo_suites_carry_gx_severity_and_names() -> None:
    for path in REPO_SUITES.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        names = [e["meta"]["name"] for e in data["expectations"]]
        assert len(names) == len(set(names)), path
        assert {e["severity"] for e in data["expectations"]} <= {"critical", "warning"}
    articles = json.loads((REPO_SUITES / "articles.json").read_text(encoding="utf-8"))
    by_name = {e["meta"]["name"]: e for e in articles["expectations"]}
    assert by_name["published_date_in_range"]["kwargs"]["max_value"] == {
        "$PARAMETER": "max_published_date"
    }
    assert sum(e["severity"] == "critical" for e in by_name.values()) == 8
    assert sum(e["severity"] == "warning" for e in by_name.values()) == 7


def test_clean_frame_passes_everything(engine: QualityEngine) -> None:
    report = engine.validate_articles(
        frame(row("a"), row("b", dateline_date=None)), run_date=RUN_DATE, run_name=RUN_NAME
    )
    assert len(report.outcomes) == 15
    assert all(o.success for o in report.outcomes)
    assert report.row_failures == []
    assert outcome(report, "body_min_length").element_count == 2


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("content_decodable", {"content_status": "binary"}),
        ("content_decodable", {"content_status": "undecodable"}),
        ("content_not_empty", {"content_status": "empty"}),
        ("content_not_empty", {"content_status": "whitespace"}),
        ("title_not_null", {"title": None, "title_length": None}),
        ("body_min_length", {"body_length": 199}),
        ("title_max_length", {"title_length": 401}),
        ("title_differs_from_body", {"title_equals_body": True}),
        ("language_determined", {"language": None}),
    ],
)
def test_critical_expectation_names_only_the_bad_row(
    engine: QualityEngine, name: str, overrides: dict[str, Any]
) -> None:
    report = engine.validate_articles(with_bad(**overrides), run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.critical_keys() == {"bad"}
    assert report.reasons_by_key("critical") == {"bad": [name]}
    assert report.reasons_by_key("warning") == {}
    failed = report.failed("critical")
    assert [o.expectation for o in failed] == [name]
    assert failed[0].severity == "critical"
    assert failed[0].unexpected_count == 1
    assert failed[0].element_count == 3
    assert failed[0].details["unexpected_sample"][0]["key"] == "bad"
    assert report.failed("warning") == []


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("published_date_present", {"published_date": None, "dateline_date": None}),
        ("published_date_in_range", {"published_date": date(1991, 12, 15), "dateline_date": None}),
        ("published_date_in_range", {"published_date": RUN_DATE + timedelta(days=2)}),
        ("no_mixed_script_tokens", {"mixed_script_count": 3}),
        ("language_kk_or_ru", {"language": "en"}),
        ("not_duplicate", {"duplicate_of": "good-1"}),
        ("no_mojibake_repaired", {"mojibake_repaired": True}),
        ("dateline_not_after_published", {"dateline_date": RUN_DATE + timedelta(days=1)}),
    ],
)
def test_warning_expectation_names_only_the_bad_row(
    engine: QualityEngine, name: str, overrides: dict[str, Any]
) -> None:
    report = engine.validate_articles(with_bad(**overrides), run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.critical_keys() == set()
    assert report.reasons_by_key("critical") == {}
    assert report.reasons_by_key("warning") == {"bad": [name]}
    failed = report.failed("warning")
    assert [(o.expectation, o.severity, o.unexpected_count) for o in failed] == [
        (name, "warning", 1)
    ]
    assert report.row_failures == [dq.RowFailure("bad", "articles", name, "warning")]


def test_max_published_date_follows_run_date(engine: QualityEngine) -> None:
    dates = frame(
        row("today"),
        row("tomorrow", published_date=RUN_DATE + timedelta(days=1)),
        row("future", published_date=RUN_DATE + timedelta(days=2)),
    )
    report = engine.validate_articles(dates, run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.reasons_by_key("warning") == {"future": ["published_date_in_range"]}
    in_range = outcome(report, "published_date_in_range")
    assert in_range.details["kwargs"]["max_value"] == "2026-11-24"
    assert in_range.details["kwargs"]["min_value"] == "1991-12-16"

    later = engine.validate_articles(
        dates, run_date=RUN_DATE + timedelta(days=1), run_name=RUN_NAME
    )
    assert later.row_failures == []


def test_several_failures_per_row_and_sorted_reasons(engine: QualityEngine) -> None:
    bad = row(
        "rejected",
        content_status="binary",
        title=None,
        title_length=None,
        body_length=0,
        language=None,
        published_date=None,
        dateline_date=None,
        mojibake_repaired=True,
    )
    report = engine.validate_articles(frame(row("fine"), bad), run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.reasons_by_key("critical") == {
        "rejected": [
            "body_min_length",
            "content_decodable",
            "language_determined",
            "title_not_null",
        ]
    }
    assert report.reasons_by_key("warning") == {
        "rejected": ["no_mojibake_repaired", "published_date_present"]
    }
    for o in report.outcomes:
        json.dumps(o.details)  # must be JSON-serialisable as is


def test_empty_articles_frame_does_not_crash(engine: QualityEngine) -> None:
    report = engine.validate_articles(frame(), run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.row_failures == []
    assert report.critical_keys() == set()
    assert len(report.outcomes) == 15
    assert {o.element_count for o in report.outcomes} == {0}


def test_batch_suite(engine: QualityEngine) -> None:
    schema = {"key": pl.String, "size": pl.Int64}
    ok = engine.validate_batch(
        pl.DataFrame({"key": ["a", "b"], "size": [1, 2]}, schema=schema), run_name=RUN_NAME
    )
    assert [o.success for o in ok.outcomes] == [True, True]

    empty = engine.validate_batch(pl.DataFrame(schema=schema), run_name=RUN_NAME)
    assert [o.expectation for o in empty.failed("critical")] == ["listing_not_empty"]
    assert empty.failed("critical")[0].details["observed_value"] == 0
    assert empty.row_failures == []

    dup = engine.validate_batch(
        pl.DataFrame({"key": ["a", "b", "a"], "size": [1, 2, 3]}, schema=schema),
        run_name=RUN_NAME,
    )
    assert [o.expectation for o in dup.failed("critical")] == ["listing_keys_unique"]
    assert dup.reasons_by_key("critical") == {"a": ["listing_keys_unique"]}
    assert [f.key for f in dup.row_failures] == ["a", "a"]


def test_data_docs_show_the_run(engine: QualityEngine, workdir: Path) -> None:
    run_name = "ingest-20261123T170000-def456"
    engine.validate_articles(with_bad(body_length=12), run_date=RUN_DATE, run_name=run_name)
    index = engine.build_data_docs()
    assert index == workdir / "reports" / "data_docs" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert run_name in html
    assert "Failed" in html
    (page,) = (workdir / "reports" / "data_docs" / "validations" / "articles" / run_name).rglob(
        "*.html"
    )
    page_html = page.read_text(encoding="utf-8")
    assert "body_length" in page_html
    assert "bad" in page_html  # the failing key is shown in the unexpected-rows table


def test_severity_and_suite_edits_come_from_the_json(tmp_path: Path) -> None:
    suites = copy_suites(tmp_path / "expectations")
    edit_expectation(suites, "articles", "body_min_length", severity="warning")
    edited = QualityEngine(suites, tmp_path / "reports" / "gx")
    short = with_bad(body_length=10)

    report = edited.validate_articles(short, run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.critical_keys() == set()
    assert report.reasons_by_key("warning") == {"bad": ["body_min_length"]}

    # Editing the JSON changes the next run of the same engine, no restart needed.
    edit_expectation(suites, "articles", "body_min_length", severity="critical")
    edit_expectation(
        suites,
        "articles",
        "no_mixed_script_tokens",
        kwargs={"column": "body_length", "value_set": [200]},
    )
    report = edited.validate_articles(short, run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.reasons_by_key("critical") == {"bad": ["body_min_length"]}
    assert report.reasons_by_key("warning") == {"bad": ["no_mixed_script_tokens"]}


def test_malformed_suites_are_refused(tmp_path: Path) -> None:
    suites = copy_suites(tmp_path / "expectations")
    path = suites / "batch.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["expectations"][0]["severity"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(QualityError, match="listing_not_empty needs 'severity'"):
        QualityEngine(suites, tmp_path / "gx")


def test_expectation_gx_cannot_evaluate_is_an_error(engine: QualityEngine) -> None:
    with pytest.raises(QualityError, match="language"):
        engine.validate_articles(
            frame(row("a")).drop("language"), run_date=RUN_DATE, run_name=RUN_NAME
        )


def test_stored_runs_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quality, "MAX_STORED_RUNS", 2)
    small = QualityEngine(copy_suites(tmp_path / "expectations"), tmp_path / "reports" / "gx")
    listing = pl.DataFrame({"key": ["a"], "size": [1]}, schema={"key": pl.String, "size": pl.Int64})
    for i in range(3):
        small.validate_batch(listing, run_name=f"run-{i}")
        small.build_data_docs()
    pages = sorted(
        p.parent.parent.name
        for p in (tmp_path / "reports" / "data_docs").rglob("*.html")
        if "validations" in p.parts
    )
    assert pages == ["run-1", "run-2"]
    stored = tmp_path / "reports" / "gx" / "uncommitted" / "validations" / "batch"
    assert sorted(p.name for p in stored.iterdir()) == ["run-1", "run-2"]


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        ([], dq.PASSED),
        ([(True, "critical", False), (True, "warning", False)], dq.PASSED),
        ([(True, "critical", False), (False, "warning", False)], dq.PASSED_WITH_WARNINGS),
        ([(False, "warning", False), (False, "critical", False)], dq.FAILED),
        ([(True, "warning", True)], dq.FAILED),  # not evaluated: never a pass
        ([(False, "info", False)], dq.FAILED),  # a severity newsetl does not know
    ],
)
def test_validation_status_by_severity(outcomes: list, status: str) -> None:
    assert dq.validation_status(outcomes) == status


def test_pages_of_older_renderers_are_rendered_again(tmp_path: Path) -> None:
    """A build renders only missing pages, unless the pages came from another RENDER_VERSION."""
    small = QualityEngine(copy_suites(tmp_path / "expectations"), tmp_path / "reports" / "gx")
    small.validate_articles(with_bad(body_length=12), run_date=RUN_DATE, run_name=RUN_NAME)
    small.build_data_docs()
    (page,) = (small.data_docs_dir / "validations").rglob("*.html")
    page.write_text("an old page", encoding="utf-8")
    small.build_data_docs()
    assert page.read_text(encoding="utf-8") == "an old page"  # present: not rendered again

    (small.data_docs_dir / quality.RENDER_MARKER).write_text("1", encoding="utf-8")
    small.build_data_docs()
    assert "body_length" in page.read_text(encoding="utf-8")
    assert (small.data_docs_dir / quality.RENDER_MARKER).read_text() == quality.RENDER_VERSION
