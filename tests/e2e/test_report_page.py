"""The daily report page: built from a real lake (the SQL tests' lake, moved from the version 1
fixture, and enriched) with a newest run whose texts are markup and an entity whose name is,
opened in headless Chromium with no host name resolvable. Its four charts must be drawn from
the inlined libraries, with no request and no console message, and every text from the
warehouse must show as text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

import newsetl
from newsetl.common.catalog import Catalog
from newsetl.lake import connection
from newsetl.quality.datadocs_assets import VendorError
from newsetl.quality.report_page import (
    ReportData,
    build_page,
    read_report_data,
    script_safe_json,
    vendored_scripts,
    write_report_page,
)
from tests.browser import BOLD_LANGUAGE, IMG_KEY, SVG_DUPLICATE, Node, injected, render
from tests.lake.test_migrations import build_lake

HOSTILE_SOURCE = f"s3://news/{IMG_KEY}"
HOSTILE_MESSAGE = "<script>document.documentElement.dataset.xss=2</script> & more"
HOSTILE_REASON = "</script><svg onload=document.documentElement.dataset.xss=3>"
CHARTS = ("articles-per-day", "pass-rate", "quarantine-by-reason", "entities-per-week")
HOSTILE_ENTITY = SVG_DUPLICATE.removeprefix("incoming/")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three runs of the fixture, and a fourth, the newest, with markup in its source, its
    message, a failed critical expectation's name and an article's language; then enriched,
    with markup as the names of its most mentioned entity."""
    path = build_lake(tmp_path_factory.mktemp("report-lake"))
    con = connection.connect(Catalog.parse(path))
    try:
        con.execute(
            "INSERT INTO ingest_runs SELECT * REPLACE ('run-20260309' AS run_id, "
            "$source AS source, started_at + INTERVAL 1 DAY AS started_at, "
            "finished_at + INTERVAL 1 DAY AS finished_at, $message AS message) "
            "FROM ingest_runs WHERE run_id = 'run-20260308'",
            {"source": HOSTILE_SOURCE, "message": HOSTILE_MESSAGE},
        )
        con.execute(
            "INSERT INTO dq_results SELECT * REPLACE ('run-20260309' AS run_id) "
            "FROM dq_results WHERE run_id = 'run-20260308'"
        )
        con.execute(
            "INSERT INTO dq_results SELECT * REPLACE ('run-20260309' AS run_id, "
            "$reason AS expectation, 2 AS unexpected_count) FROM dq_results "
            "WHERE run_id = 'run-20260308' AND expectation = 'title_not_null'",
            {"reason": HOSTILE_REASON},
        )
        con.execute(
            "INSERT INTO articles SELECT * REPLACE (key || '.copy' AS key, $language AS language, "
            "DATE '2026-03-09' AS published_date) FROM articles "
            "WHERE deleted_at IS NULL ORDER BY key LIMIT 1",
            {"language": BOLD_LANGUAGE},
        )
        from newsetl.enrich.run import enrich_lake

        enrich_lake(con)
        con.execute(
            "UPDATE entities SET name = $n, name_kk = $n, name_ru = $n WHERE entity_id = "
            "(SELECT entity_id FROM entity_weekly ORDER BY mentions DESC, entity_id LIMIT 1)",
            {"n": HOSTILE_ENTITY},
        )
    finally:
        con.close()
    return path


def marks(chart: Node, kind: str) -> list[Node]:
    """The drawn marks of one kind (rect, line, symbol) in a Vega SVG chart."""
    groups = [
        g for g in chart.find_all("g", class_=f"mark-{kind}") if "role-mark" in g.attrs["class"]
    ]
    return [path for g in groups for path in g.find_all("path")]


@pytest.mark.slow
def test_page_draws_three_charts_offline_and_escapes_the_data(lake: Path, tmp_path: Path) -> None:
    con = newsetl.connect(str(lake))
    try:
        data = read_report_data(con, str(lake))
        page = write_report_page(con, str(lake), tmp_path / "report.html")
    finally:
        con.close()
    assert data.latest is not None and data.latest["run_id"] == "run-20260309"

    rendered = render(page)
    assert rendered.requests == []
    assert rendered.console == []
    dom = rendered.dom
    assert injected(dom) == []
    charts = {div.attrs["data-chart"]: div for div in dom.find_all("div", class_="vega-chart")}
    assert set(charts) == {f"{name}-spec" for name in CHARTS}
    for chart in charts.values():
        assert chart.find_all("svg"), "vega-embed drew nothing"

    articles = charts["articles-per-day-spec"]
    assert len(marks(articles, "rect")) == len(data.articles_per_day)  # one bar per day/language
    assert BOLD_LANGUAGE in articles.text()  # in the legend, as text

    pass_rate = charts["pass-rate-spec"]
    suites = {row["suite"] for row in data.pass_rates}
    assert len(marks(pass_rate, "line")) == len(suites)
    assert len(marks(pass_rate, "symbol")) == len(data.pass_rates)  # a point per run and suite

    quarantine = charts["quarantine-by-reason-spec"]
    assert len(marks(quarantine, "rect")) == len(data.quarantine)
    assert {row["reason"] for row in data.quarantine} >= {HOSTILE_REASON, "title_not_null"}
    assert HOSTILE_REASON[:20] in quarantine.text()  # a legend label, as text (Vega cuts it)

    entities = charts["entities-per-week-spec"]
    assert len(marks(entities, "symbol")) == len(data.entities_per_week)  # a dot per entity
    assert HOSTILE_ENTITY in {row["name"] for row in data.entities_per_week}
    assert HOSTILE_ENTITY[:8] in entities.text()  # beside its dot, as text (Vega cuts it)

    assert HOSTILE_SOURCE in dom.text() and HOSTILE_MESSAGE in dom.text()  # the latest run


def test_cli_writes_the_report_page(lake: Path, tmp_path: Path) -> None:
    """`newsetl report --html PATH`, in this process (tests/test_cli.py runs the console script)."""
    from typer.testing import CliRunner

    from newsetl.cli.main import app

    out = tmp_path / "daily" / "report.html"
    result = CliRunner().invoke(app, ["report", "--db", str(lake), "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Report page: {out.resolve()}" in result.output
    assert "run-20260309" in result.output  # the usual tables still follow
    html = out.read_text(encoding="utf-8")
    assert [f'data-chart="{name}-spec"' in html for name in CHARTS] == [True] * 4
    assert "<script src=" not in html and "<link" not in html  # everything inlined
    assert IMG_KEY not in html and HOSTILE_MESSAGE not in html  # only escaped


def test_an_empty_warehouse_gets_a_page_without_charts() -> None:
    data = ReportData(db="<b>news</b>.sqlite", generated_at=datetime(2026, 11, 30, tzinfo=UTC))
    page = build_page(data, scripts=[])
    assert "No ingest run has been recorded yet." in page
    assert "Nothing was quarantined in this period." in page
    assert "No entities yet: the enrichment has not run." in page
    assert 'class="vega-chart"' not in page
    assert "&lt;b&gt;news&lt;/b&gt;.sqlite" in page and "<b>news" not in page


def test_script_safe_json_cannot_close_its_script() -> None:
    value = {"reason": "</script><!-- \u2028 & <img>"}
    text = script_safe_json(value)
    assert not {"<", ">", "&", "\u2028"} & set(text)
    assert json.loads(text) == value


def test_missing_chart_libraries_stop_the_page(tmp_path: Path) -> None:
    with pytest.raises(VendorError, match="npm ci --prefix web"):
        vendored_scripts(tmp_path / "no-node-modules")
