"""The parser's unknown head and tail lines as a layout-drift signal: counted per article, summed
per source prefix, and a warning expectation that names the prefix when their share is high."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

from newsetl.parse.article import parse_article
from newsetl.parse.records import Article
from newsetl.quality.drift import BASELINE_SCHEMA, drift_frame

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


def test_the_drift_suite_warns_on_a_high_unknown_share():
    suite = json.loads((ROOT / "expectations" / "drift.json").read_text(encoding="utf-8"))
    found = [e for e in suite["expectations"] if e["kwargs"]["column"] == "unknown_line_share"]
    assert [e["severity"] for e in found] == ["warning"]
    assert 0 < found[0]["kwargs"]["max_value"] < 1
