"""The parser's unknown head and tail lines as a layout-drift signal: counted per article, summed
per source prefix, stored in the lake, and warning expectations that name the prefix when their
share rises over the prefix's last 7 days (or is high for a prefix without history)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from newsetl.parse.article import parse_article
from newsetl.parse.records import Article
from newsetl.quality.drift import BASELINE_SCHEMA, MIN_FRAME_LINES, drift_frame

ROOT = Path(__file__).resolve().parents[2]
BODY = (
    "Сегодня в городе прошло заседание рабочей группы, на котором обсудили ход ремонта дорог.\n"
    "Участники отметили, что работы на центральных улицах завершатся в установленные сроки.\n"
)


def _parsed(text: str) -> Article:
    article = parse_article("outlet/a.txt", text.encode("utf-8"))
    assert isinstance(article, Article)
    return article


def test_known_labels_leave_no_unknown_lines_and_a_new_label_is_counted():
    known = _parsed(
        f"Экономика\nРемонт дорог обсудили в акимате\nАвтор: Анна Ким\n{BODY}Теги: дороги"
    )
    assert (known.frame_lines, known.unknown_lines) == (4, 0)
    new_label = _parsed(f"Ремонт дорог обсудили в акимате\nШолушы: Анна Ким\n{BODY}Жаңа белгі 5")
    assert new_label.author is None  # a label the lexicons do not know is not guessed
    assert new_label.title == "Ремонт дорог обсудили в акимате"
    assert (new_label.frame_lines, new_label.unknown_lines) == (3, 2)


def test_unknown_share_is_per_prefix():
    day = date(2026, 3, 1)
    checks = pl.DataFrame(
        [("new/a.txt", day, 60, 4, 3), ("new/b.txt", day, 60, 4, 1), ("old/c.txt", day, 60, 5, 0),
         ("bare/d.txt", day, 60, 0, 0)],
        schema={"key": pl.String, "published_date": pl.Date, "title_length": pl.Int64,
                "frame_lines": pl.Int64, "unknown_lines": pl.Int64},
        orient="row",
    )  # fmt: skip
    rows = {
        r["key"]: r
        for r in drift_frame(checks, pl.DataFrame(schema=BASELINE_SCHEMA)).iter_rows(named=True)
    }
    assert rows["new"]["unknown_line_share"] == 0.5
    assert rows["old"]["unknown_line_share"] == 0.0
    assert rows["bare"]["unknown_line_share"] is None


def test_the_drift_suite_warns_on_a_rising_unknown_share_and_a_high_one_without_history():
    suite = json.loads((ROOT / "expectations" / "drift.json").read_text(encoding="utf-8"))
    found = {
        e["meta"]["name"]: e for e in suite["expectations"] if "unknown" in e["kwargs"]["column"]
    }
    assert found["unknown_line_share_stable"]["kwargs"] == {
        "column": "unknown_line_share_rise",
        "max_value": 15,
    }
    assert found["unknown_line_share_low"]["kwargs"]["column"] == (
        "unknown_line_share_without_history"
    )
    assert 0 < found["unknown_line_share_low"]["kwargs"]["max_value"] < 1
    assert {e["severity"] for e in found.values()} == {"warning"}


def _checks(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    """(key, frame lines, unknown lines) per article of the batch, all dated, short titles."""
    return pl.DataFrame(
        [(key, date(2026, 3, 1), 60, frame, unknown) for key, frame, unknown in rows],
        schema={"key": pl.String, "published_date": pl.Date, "title_length": pl.Int64,
                "frame_lines": pl.Int64, "unknown_lines": pl.Int64},
        orient="row",
    )  # fmt: skip


def _baseline(rows: list[tuple[str, int | None, int | None]]) -> pl.DataFrame:
    """(prefix, frame lines, unknown lines) of the last days: 20 dated articles per prefix."""
    return pl.DataFrame(
        [(prefix, 20, 20, 20, frame, unknown) for prefix, frame, unknown in rows],
        schema=BASELINE_SCHEMA,
        orient="row",
    )


# Per prefix, the batch: `risen` went from 5% unknown lines to 40%; `steady` always had 40% (over
# the old fixed 30% ceiling); `slight` went from 1% to 10%; `few` rose to 50% but on 6 lines;
# `fresh` has no history and 50%; `old_rows` has history from before the lines were recorded
# (NULL) and 10%.
BATCH = [
    *[(f"risen/{n}.txt", 5, 2) for n in range(4)],
    *[(f"steady/{n}.txt", 5, 2) for n in range(4)],
    *[(f"slight/{n}.txt", 10, 1) for n in range(2)],
    ("few/0.txt", 6, 3),
    *[(f"fresh/{n}.txt", 4, 2) for n in range(3)],
    *[(f"old_rows/{n}.txt", 5, 0) for n in range(3)],
    ("old_rows/3.txt", 5, 2),
]
HISTORY = [
    ("risen", 100, 5),
    ("steady", 100, 40),
    ("slight", 100, 1),
    ("few", 100, 5),
    ("old_rows", None, None),
]


def test_the_unknown_share_is_compared_with_the_prefix_history():
    rows = {
        r["key"]: r for r in drift_frame(_checks(BATCH), _baseline(HISTORY)).iter_rows(named=True)
    }
    assert rows["risen"]["baseline_unknown_line_share"] == 0.05
    assert rows["risen"]["unknown_line_share_rise"] == pytest.approx(35.0)
    assert rows["risen"]["unknown_line_share_without_history"] is None
    assert rows["steady"]["unknown_line_share_rise"] == pytest.approx(0.0)
    assert rows["slight"]["unknown_line_share_rise"] == pytest.approx(9.0)
    assert rows["few"]["unknown_line_share"] == 0.5
    assert rows["few"]["unknown_line_share_rise"] is None  # fewer than MIN_FRAME_LINES lines
    assert MIN_FRAME_LINES > 6
    for prefix in ("fresh", "old_rows"):
        assert rows[prefix]["baseline_unknown_line_share"] is None
        assert rows[prefix]["unknown_line_share_rise"] is None
        assert (
            rows[prefix]["unknown_line_share_without_history"] == rows[prefix]["unknown_line_share"]
        )
    assert rows["fresh"]["unknown_line_share_without_history"] == 0.5


def test_a_baseline_without_line_counts_is_no_history():
    """A baseline read before the lines were recorded lacks the columns: no comparison."""
    baseline = _baseline([("risen", 100, 5)]).drop("frame_lines", "unknown_lines")
    [row] = drift_frame(_checks(BATCH[:4]), baseline).iter_rows(named=True)
    assert row["unknown_line_share_rise"] is None
    assert row["unknown_line_share_without_history"] == 0.4


def test_the_warning_names_the_prefix_whose_unknown_share_rose(tmp_path: Path):
    """Through GX with the repository's suite: the risen prefix and the one with no history
    and a high share are named; a share that was always high, a slight rise and a rise on a
    handful of lines are not."""
    from newsetl.quality.engine import QualityEngine

    shutil.copytree(ROOT / "expectations", tmp_path / "expectations")
    engine = QualityEngine(tmp_path / "expectations", tmp_path / "reports" / "gx")
    report = engine.validate_drift(
        drift_frame(_checks(BATCH), _baseline(HISTORY)), run_name="drift-test"
    )
    assert report.reasons_by_key("warning") == {
        "risen": ["unknown_line_share_stable"],
        "fresh": ["unknown_line_share_low"],
    }
    assert report.reasons_by_key("critical") == {}


def test_the_lake_keeps_the_line_counts_for_the_baseline(tmp_path: Path):
    """The articles table stores each article's head/tail and unknown lines (migration 007),
    and the drift baseline sums them per prefix; rows without them are no history."""
    from newsetl.common import sqlfiles
    from newsetl.common.catalog import Catalog
    from newsetl.lake import connection, migrations
    from newsetl.parse.rows import ARTICLE_SCHEMA
    from newsetl.quality.drift import BASELINE_DAYS, TITLE_LIMIT

    assert {"frame_lines", "unknown_lines"} <= set(ARTICLE_SCHEMA)
    con = connection.connect(Catalog.parse(tmp_path / "news.sqlite"))
    try:
        migrations.prepare(con)
        for key, frame, unknown in [
            ("lenta/a.txt", 4, 1),
            ("lenta/b.txt", 6, 2),
            ("older/c.txt", None, None),
        ]:
            con.execute(
                "INSERT INTO articles (key, doc_id, title, date_source, body, paragraph_count, "
                "char_count, word_count, source_encoding, content_sha256, mojibake_repaired, "
                "etag, run_id, loaded_at, frame_lines, unknown_lines) VALUES "
                "(?, 'x', 'Тақырып', 'none', 'Мәтін.', 1, 6, 1, 'utf-8', 'h', false, 'e', 'r', "
                "now(), ?, ?)",
                [key, frame, unknown],
            )
        baseline = con.execute(
            sqlfiles.sql_file("quality/drift_baseline.sql"),
            {"days": BASELINE_DAYS, "title_limit": TITLE_LIMIT},
        ).pl()
    finally:
        con.close()
    rows = {r["prefix"]: r for r in baseline.cast(BASELINE_SCHEMA).iter_rows(named=True)}
    assert (rows["lenta"]["frame_lines"], rows["lenta"]["unknown_lines"]) == (10, 3)
    assert (rows["older"]["frame_lines"], rows["older"]["unknown_lines"]) == (None, None)
