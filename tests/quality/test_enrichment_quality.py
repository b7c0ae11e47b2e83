"""The enrichment's quality: the rows the enrichment suite validates, built on a real DuckLake
lake from a real enrichment of the bilingual gold set; the suite itself in real GX; and the
report page's chart of the most mentioned entities, whose names come from the bucket."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from bench.eval_enrich import load
from newsetl.common.catalog import Catalog
from newsetl.enrich.run import enrich_lake
from newsetl.lake.connection import connect
from newsetl.lake.migrations import prepare
from newsetl.quality.engine import QualityEngine
from newsetl.quality.enrichment import ENRICHMENT_SCHEMA, enrichment_frame, enrichment_warnings
from newsetl.quality.report_page import (
    ENTITY_TOP,
    ReportData,
    build_page,
    chart_spec,
    charts,
    read_report_data,
)
from tests.conftest import ROOT
from tests.enrich.test_lake import put

HOSTILE_NAME = "</script><img src=x onerror=alert(1)> Тоқаев & Co"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory):
    """Story S01 (052 in Russian, 085 in Kazakh) and a distractor (007) enriched, then S01's
    next-day Russian article (064) by a second enrichment."""
    _, articles = load()
    by_key = {a.key: a for a in articles}
    con = connect(Catalog.parse(str(tmp_path_factory.mktemp("lake") / "news.sqlite"), None))
    prepare(con)
    for key in ("052", "085", "007"):
        put(con, by_key[key])
    first = enrich_lake(con)
    put(con, by_key["064"])
    second = enrich_lake(con)
    yield con, first, second
    con.close()


def test_the_frame_covers_what_one_enrichment_wrote(lake) -> None:
    con, first, second = lake
    rows = enrichment_frame(con, first.snapshot_id)
    assert rows.schema == pl.Schema(ENRICHMENT_SCHEMA)
    languages = rows.filter(pl.col("kind") == "language")
    expected = con.execute(
        "SELECT 'language ' || a.language, count(*), "
        "avg(CASE WHEN EXISTS (SELECT 1 FROM entity_mentions m WHERE m.key = a.key) "
        "THEN 1.0 ELSE 0.0 END) "
        "FROM articles_current AS a WHERE a.key IN ('052', '085', '007') GROUP BY ALL"
    ).fetchall()
    assert sorted(languages.select("key", "articles", "entity_share").rows()) == sorted(expected)
    stories = rows.filter(pl.col("kind") == "story")
    ids = dict(con.execute("SELECT key, story_id FROM story_articles").fetchall())
    assert set(stories["key"]) == {f"story {ids[k]}" for k in ("052", "085", "007")}
    sizes = con.execute(
        "SELECT 'story ' || story_id, count(*), date_diff('day', min(published_date), "
        "max(published_date)) FROM story_articles JOIN articles_current USING (key) GROUP BY ALL"
    ).fetchall()
    wanted = {row[0]: row[1:] for row in sizes}
    assert {k: (n, d) for k, n, d in stories.select("key", "articles", "span_days").rows()} == {
        k: wanted[k] for k in stories["key"]
    }

    # The second enrichment read one article: its frame is that article's language and story.
    later = enrichment_frame(con, second.snapshot_id)
    assert later.filter(pl.col("kind") == "language")["articles"].to_list() == [1]
    story = con.execute("SELECT story_id FROM story_articles WHERE key = '064'").fetchone()[0]
    assert later.filter(pl.col("kind") == "story")["key"].to_list() == [f"story {story}"]
    assert enrichment_frame(con, second.snapshot_id - 1).is_empty()  # the load of 064


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> QualityEngine:
    work = tmp_path_factory.mktemp("enrichment-quality")
    return QualityEngine(ROOT / "expectations", work / "reports" / "gx")


def test_the_suite_flags_few_entities_and_implausible_stories(engine: QualityEngine) -> None:
    rows = [
        ("language", "language kk", 12, 0.25, None),  # 3 of 12 articles with an entity
        ("language", "language ru", 4, 0.0, None),  # too few articles to judge
        ("language", "language en", 30, 0.9, None),
        ("story", "story a", 41, None, 1),  # too many articles
        ("story", "story b", 3, None, 9),  # too many days
        ("story", "story c", 40, None, 7),  # at both bounds
    ]
    frame = pl.DataFrame(rows, schema=ENRICHMENT_SCHEMA, orient="row")
    report = engine.validate_enrichment(frame, run_name="enrich-test")
    failed = {o.expectation: o.severity for o in report.outcomes if not o.success}
    assert failed == {
        "articles_with_entities_per_language": "warning",
        "story_size_plausible": "warning",
        "story_span_plausible": "warning",
    }
    assert report.reasons_by_key("warning") == {
        "language kk": ["articles_with_entities_per_language"],
        "story a": ["story_size_plausible"],
        "story b": ["story_span_plausible"],
    }
    assert enrichment_warnings(report) == [
        "articles_with_entities_per_language: language kk",
        "story_size_plausible: story a",
        "story_span_plausible: story b",
    ]
    clean = engine.validate_enrichment(frame.filter(pl.col("key") == "story c"), run_name="ok")
    assert enrichment_warnings(clean) == []
    docs = engine.build_data_docs()
    assert (docs.parent / "validations" / "enrichment").is_dir()


def test_the_report_page_charts_the_most_mentioned_entities_by_language(lake) -> None:
    con, _, _ = lake
    con.execute("UPDATE entities SET name_ru = ? WHERE entity_id = 'person:токаев'", [HOSTILE_NAME])
    data = read_report_data(con, "news.sqlite")
    rows = data.entities_per_week
    assert rows and {r["language"] for r in rows} == {"kk", "ru"}
    for ranks in _group(rows).values():
        assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= ENTITY_TOP
    mentions = con.execute(
        "SELECT CAST(week AS VARCHAR), language, name, mentions FROM entity_weekly "
        "WHERE language = 'ru' ORDER BY mentions DESC, name LIMIT 1"
    ).fetchone()
    top_ru = next(r for r in rows if r["language"] == "ru" and r["rank"] == 1)
    assert (top_ru["week"], top_ru["mentions"]) == (mentions[0][:10], mentions[3])
    named = {r["name"] for r in rows if r["language"] == "ru"}
    assert HOSTILE_NAME in named  # the Russian name in the Russian row
    assert {r["name"] for r in rows if r["language"] == "kk"} & {"Тоқаев", "Қасым-Жомарт Тоқаев"}

    [chart] = [c for c in charts(data) if c.id == "entities-per-week"]
    spec = chart_spec(chart)
    assert HOSTILE_NAME in json.dumps(spec, ensure_ascii=False)
    page = build_page(data, scripts=[])
    assert 'data-chart="entities-per-week-spec"' in page
    assert "<img src=x" not in page and "</script><img" not in page


def test_a_lake_without_enrichment_says_so() -> None:
    data = ReportData(db="news.sqlite", generated_at=datetime(2026, 12, 3, tzinfo=UTC))
    page = build_page(data, scripts=[])
    assert "No entities yet: the enrichment has not run." in page


def _group(rows: list[dict]) -> dict[tuple, list[int]]:
    grouped: dict[tuple, list[int]] = {}
    for r in rows:
        grouped.setdefault((r["week"], r["language"]), []).append(r["rank"])
    return grouped


def test_suite_file_is_the_one_in_expectations() -> None:
    data = json.loads(Path(ROOT / "expectations" / "enrichment.json").read_text("utf-8"))
    assert {e["severity"] for e in data["expectations"]} == {"warning"}
