"""`newsetl explain`: on a file, on a key loaded into a real lake (bytes read again from the
source listing that holds it), on a key held in quarantine; text from the bucket is escaped."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from newsetl.common.catalog import Catalog
from newsetl.lake import connection
from tests.cli.test_cli_surface import invoke
from tests.lake.test_migrations import build_lake

ZOO = Path(__file__).resolve().parents[1] / "data" / "outlets"
KEY = "raw/2026/explained.txt"
ARTICLE = (ZOO / "zakon_2024_ru_views_reading.txt").read_bytes()


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shared test lake with one more object listed from a local source folder, and one
    object held in quarantine."""
    root = tmp_path_factory.mktemp("lake")
    db = build_lake(root)
    source = root / "bucket"
    (source / KEY).parent.mkdir(parents=True)
    (source / KEY).write_bytes(ARTICLE)
    con = connection.connect(Catalog.parse(db))
    try:
        con.execute(
            "INSERT INTO source_objects VALUES (?, ?, 'etag-1', ?, NULL, ?, 'loaded', 'r1', 'r1')",
            [KEY, str(source), len(ARTICLE), hashlib.sha256(ARTICLE).hexdigest()],
        )
        held = "Заголовок [bold red]boom[/]\n5 марта 2026\nКороткий текст.".encode()
        con.execute(
            "INSERT INTO quarantine VALUES ('raw/held.txt', 'etag-2', 'sha', ['no body'], ?, "
            "'utf-8', ?, 'r1', now(), NULL)",
            [held, len(held)],
        )
    finally:
        con.close()
    return db, source


def _json(*args: str) -> dict:
    result = invoke("explain", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_explain_a_file_gives_every_line_a_zone_class_and_the_fields_their_rules():
    data = _json("--file", str(ZOO / "zakon_2024_ru_views_reading.txt"))
    zones = [line["zone"] for line in data["lines"]]
    assert zones == sorted(zones, key=["head", "body", "tail"].index)
    title = next(line for line in data["lines"] if line["class"] == "title")
    assert title["fields"] == ["title"]
    assert data["fields"]["author"]["value"] == "Мадина Жумабаева"
    assert data["fields"]["author"]["rule"] == "label author:ru:Автор"
    views = {"value": 1234, "line": 4, "rule": "label views:ru:Просмотров"}
    assert data["fields"]["views"] == views
    tail = {line["class"] for line in data["lines"] if line["zone"] == "tail"}
    assert {"share", "signature"} <= tail


def test_explain_a_loaded_key_reads_its_bytes_again_from_its_source(lake):
    db, source = lake
    data = _json(KEY, "--db", str(db))
    assert data["note"] == f"bytes read again from {source}"
    assert data["fields"]["published_date"]["rule"].startswith("below_title: label published")
    (source / KEY).write_bytes(ARTICLE.replace("Просмотров".encode(), "Просмотры".encode()))
    try:
        changed = _json(KEY, "--db", str(db))
    finally:
        (source / KEY).write_bytes(ARTICLE)
    assert "changed since it was loaded" in changed["note"]


def test_explain_a_held_key_uses_the_quarantined_bytes_and_escapes_them(lake):
    db, _ = lake
    result = invoke("explain", "raw/held.txt", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "bytes held in quarantine" in result.output
    assert "[bold red]boom[/]" in result.output


def test_explain_an_unknown_key_or_no_argument_is_one_clear_line(lake):
    db, _ = lake
    result = invoke("explain", "raw/none.txt", "--db", str(db))
    assert result.exit_code == 1
    assert "no object 'raw/none.txt'" in result.output
    assert invoke("explain").exit_code == 2
