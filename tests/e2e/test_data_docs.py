"""Data Docs render offline, escape what comes from the bucket, and tell severities apart.

The browser tests build real Data Docs with failing expectations, open them in headless
Chromium with every host name unresolvable (an air-gapped browser, even on a machine that
could reach the CDNs), read what bootstrap-table drew and which requests the pages made. The
same pages with their CDN links are rendered first as a control: their table of runs must come
out empty and their CDN requests must be seen, which shows that the test can tell the
difference. Hostile object keys and values (HTML that runs script when a page inserts it
unescaped) must show as text and run nothing; a bare page holding the same markup is the
control that shows they would run.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import logging
import re
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import altair
import polars as pl
import pytest

from newsetl.common.settings import PROJECT_ROOT
from newsetl.parse.rows import VALIDATION_SCHEMA
from newsetl.quality import datadocs_assets
from newsetl.quality.datadocs_assets import CDN_MAP, NOT_VENDORED, localize_data_docs, unmapped_urls
from newsetl.quality.engine import QualityEngine
from newsetl.quality.reports_lock import ReportsLocked, reports_lock
from tests.browser import (
    BOLD_LANGUAGE,
    IMG_KEY,
    QUOTES_KEY,
    SCRIPT_KEY,
    SVG_DUPLICATE,
    Node,
    injected,
    parse,
    render,
)

WEB = PROJECT_ROOT / "web"
VENDOR = WEB / "node_modules"
RUN_DATE = date(2026, 11, 23)
RUN_NAME = "offline-docs-7f3a9c"  # a critical and a warning failure
WARN_RUN = "warnings-only-2b81d0"  # only a warning failure
HOSTILE_RUN = "hostile-keys-5e0c4a"  # keys and values that are HTML
JQUERY = "https://code.jquery.com/jquery-3.7.1.min.js"
POPPER = "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js"
DARK_LOGO = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png"

# -- the browser test --------------------------------------------------------------------

SCHEMA = VALIDATION_SCHEMA  # the columns the pipeline hands to GX


def article(key: str, **overrides: object) -> dict[str, object]:
    good = {
        "key": key,
        "content_status": "ok",
        "title": "Астанада жаңа мектеп ашылды",
        "title_length": 27,
        "body_length": 900,
        "title_equals_body": False,
        "language": "kk",
        "published_date": RUN_DATE,
        "dateline_date": None,
        "mixed_script_count": 0,
        "mojibake_repaired": False,
        "duplicate_of": None,
    }
    return good | overrides


@dataclass(frozen=True)
class Site:
    index: Path
    cdn_index: Path  # the same site before localization: the control
    engine: QualityEngine


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Real Data Docs of three runs: a critical and a warning failure; a warning failure only;
    hostile keys and values (a critical, two warnings, and duplicate keys in the listing)."""
    if not (VENDOR / "jquery" / "package.json").is_file():
        pytest.fail(f"{VENDOR} is not installed: run `npm ci --prefix web` (make web/node_modules)")

    tmp = tmp_path_factory.mktemp("datadocs")
    engine = QualityEngine(suites_dir=PROJECT_ROOT / "expectations", gx_root=tmp / "reports" / "gx")
    frame = pl.DataFrame(
        [
            article("kk/ok.txt"),
            article("kk/untitled.txt", title=None, title_length=None),
            article("ru/mixed.txt", language="ru", mixed_script_count=2),
        ],
        schema=SCHEMA,
    )
    report = engine.validate_articles(frame, run_date=RUN_DATE, run_name=RUN_NAME)
    assert report.critical_keys() == {"kk/untitled.txt"}
    assert report.reasons_by_key("warning") == {"ru/mixed.txt": ["no_mixed_script_tokens"]}

    warnings_only = pl.DataFrame(
        [article("kk/fine.txt"), article("ru/latin.txt", language="ru", mixed_script_count=3)],
        schema=SCHEMA,
    )
    report = engine.validate_articles(warnings_only, run_date=RUN_DATE, run_name=WARN_RUN)
    assert not report.critical_keys() and report.failed("warning")

    hostile = pl.DataFrame(
        [
            article("kk/ok.txt"),
            article(IMG_KEY, title=None, title_length=None),
            article(SCRIPT_KEY, duplicate_of=SVG_DUPLICATE),
            article(QUOTES_KEY, language=BOLD_LANGUAGE),
        ],
        schema=SCHEMA,
    )
    report = engine.validate_articles(hostile, run_date=RUN_DATE, run_name=HOSTILE_RUN)
    assert report.critical_keys() == {IMG_KEY}
    listing = pl.DataFrame({"key": [IMG_KEY, IMG_KEY, SCRIPT_KEY], "size": [10, 10, 20]})
    assert engine.validate_batch(listing, run_name=HOSTILE_RUN).failed("critical")

    with pytest.MonkeyPatch.context() as patch:  # as on a machine without npm packages
        patch.setattr(datadocs_assets, "DEFAULT_VENDOR_DIR", tmp / "no-node-modules")
        index = engine.build_data_docs()
    assert JQUERY in unmapped_urls(index.parent), "without web/node_modules CDN links stay"
    cdn_site = tmp / "cdn-site"
    shutil.copytree(index.parent, cdn_site)

    assert engine.build_data_docs() == index  # localizes through the default vendor dir
    return Site(index=index, cdn_index=cdn_site / "index.html", engine=engine)


def run_rows(index: Node, run_name: str = RUN_NAME) -> list[Node]:
    return [tr for tr in index.find_all("tr", class_="clickable-row") if run_name in tr.text()]


def sections_of(dom: Node) -> dict[str, Node]:
    """A validation page's sections by their heading (a column name, or Overview)."""
    return {
        header.text(): section
        for section in dom.find_all("div", class_="ge-section")
        for header in section.find_all("h5")
    }


@pytest.mark.slow
def test_cdn_pages_show_no_runs_offline(site: Site) -> None:
    """The control: with CDN links and no network the index table stays empty, and the
    browser's requests for them (the dark-mode logo too) are seen."""
    rendered = render(site.cdn_index, dark=True)
    dom = rendered.dom
    assert "Data Docs" in dom.text()  # the page itself did load
    assert RUN_NAME not in dom.text()
    assert run_rows(dom) == []
    requested = {url.split("?")[0] for url in rendered.external_requests()}
    assert {JQUERY, DARK_LOGO} <= requested


@pytest.mark.slow
def test_offline_index_lists_the_run_and_links_its_failures(site: Site) -> None:
    assert unmapped_urls(site.index.parent) == {}

    rendered = render(site.index, dark=True)
    assert rendered.external_requests() == []
    index = rendered.dom
    table = index.find_all("table", class_="ge-index-page-validation-results-table")
    assert len(table) == 1 and RUN_NAME in table[0].text()
    (row,) = run_rows(index)
    assert row.find_all("i", class_="fa-times"), "the run is marked failed"
    assert index.find_all("div", class_="bootstrap-table"), "bootstrap-table did not run"
    (warned,) = run_rows(index, WARN_RUN)
    assert warned.find_all("i", class_="fa-exclamation-triangle"), "passed with warnings"
    assert not warned.find_all("i", class_="fa-times")
    assert "Passed with warnings" in index.text()  # the status filter's choices
    assert injected(index) == []

    page = site.index.parent / row.attrs["data-href"]
    assert page.is_file() and "/validations/articles/" in page.as_posix()
    rendered = render(page)
    assert rendered.external_requests() == []
    dom = rendered.dom
    assert re.search(r"Status:\s*Failed", dom.text())

    sections = sections_of(dom)
    title = sections["title"]
    assert "values must never be null" in title.text()
    assert "1 unexpected values found" in title.text()
    assert "kk/untitled.txt" in title.text()  # the failing key, in the unexpected-rows table
    assert title.find_all("i", class_="text-danger"), "failed status icon"
    assert title.find_all("div", class_="bootstrap-table"), "bootstrap-table did not run"

    mixed = sections["mixed_script_count"]
    assert "ru/mixed.txt" in mixed.text()
    assert mixed.find_all("i", class_="text-warning"), "a failed warning is a warning"
    assert not mixed.find_all("i", class_="text-danger")
    assert sections["language"].find_all("i", class_="text-success")


def severities(section: Node) -> list[str]:
    return [badge.text() for badge in section.find_all("span", class_="newsetl-severity")]


@pytest.mark.slow
def test_warning_only_run_passes_with_warnings_and_shows_severities(site: Site) -> None:
    (page,) = site.index.parent.glob(f"validations/articles/{WARN_RUN}/*/*.html")
    rendered = render(page)
    assert rendered.external_requests() == []
    dom = rendered.dom
    assert re.search(r"Status:\s*Passed with warnings", dom.text())
    assert "Status: Failed" not in dom.text()
    assert re.search(
        r"Failed Critical Expectations\s*0\s*Failed Warning Expectations\s*1", dom.text()
    )

    sections = sections_of(dom)
    mixed = sections["mixed_script_count"]
    assert "ru/latin.txt" in mixed.text()
    assert severities(mixed) == ["warning"]
    assert mixed.find_all("i", class_="fa-exclamation-triangle")
    assert not mixed.find_all("i", class_="text-danger")
    assert severities(sections["title"]) == ["critical"]
    assert "Severity" in sections["title"].text()  # the column's header
    suite = json.loads((PROJECT_ROOT / "expectations" / "articles.json").read_text("utf-8"))
    shown = sorted(s for section in sections.values() for s in severities(section))
    assert shown == sorted(e["severity"] for e in suite["expectations"])

    # The suite's own page names every expectation's severity too (rendered server-side).
    suite_page = parse((site.index.parent / "expectations" / "articles.html").read_text("utf-8"))
    assert sorted(severities(suite_page)) == shown


@pytest.mark.slow
def test_hostile_keys_and_values_show_as_text_and_run_nothing(site: Site, tmp_path: Path) -> None:
    # The control: the same values put into a page as markup do run, and the checks see it.
    control = tmp_path / "control.html"
    markup = "".join(f"<div>{v}</div>" for v in (IMG_KEY, SCRIPT_KEY, SVG_DUPLICATE, BOLD_LANGUAGE))
    control.write_text(f"<!DOCTYPE html><html><body>{markup}</body></html>", encoding="utf-8")
    assert len(injected(render(control).dom)) == 5

    pages = {
        suite: page
        for suite in ("articles", "batch")
        for page in site.index.parent.glob(f"validations/{suite}/{HOSTILE_RUN}/*/*.html")
    }
    assert set(pages) == {"articles", "batch"}

    articles = render(pages["articles"])
    assert injected(articles.dom) == []
    assert articles.external_requests() == []
    sections = sections_of(articles.dom)
    assert IMG_KEY in sections["title"].text()  # title_not_null names the key
    assert SCRIPT_KEY in sections["duplicate_of"].text()  # not_duplicate: key and duplicate_of
    assert SVG_DUPLICATE in sections["duplicate_of"].text()
    assert BOLD_LANGUAGE in sections["language"].text()  # the unexpected value itself
    assert QUOTES_KEY in sections["language"].text()

    batch = render(pages["batch"])
    assert injected(batch.dom) == []
    assert IMG_KEY in sections_of(batch.dom)["key"].text()  # the duplicated key


def test_reports_lock_keeps_writers_out(site: Site) -> None:
    """While another process holds the reports folder, a Data Docs build and a validation wait
    for it, then give up with a message naming the folder; nothing is written meanwhile."""
    engine = site.engine
    store = engine._results_store
    stored = set(store.list_keys())
    index_bytes = site.index.read_bytes()
    frame = pl.DataFrame([article("kk/late.txt")], schema=SCHEMA)
    with reports_lock(engine.reports_dir, timeout=5):
        with pytest.raises(ReportsLocked, match=r"reports folder .* is being written"):
            engine.build_data_docs(lock_timeout=0.2)
        with pytest.raises(ReportsLocked, match="--lock-timeout"):
            engine.validate_articles(frame, run_date=RUN_DATE, run_name="blocked", lock_timeout=0)
    assert set(store.list_keys()) == stored
    assert site.index.read_bytes() == index_bytes


def test_vendored_charts_match_what_altair_writes() -> None:
    """The chart libraries are the ones altair's specs are written for (GX's and the report's)."""
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    version = {
        name: lock["packages"][f"node_modules/{name}"]["version"]
        for name in ("vega", "vega-lite", "vega-embed")
    }
    assert version["vega-lite"] == altair.VEGALITE_VERSION.lstrip("v")
    assert version["vega"].split(".")[0] == altair.VEGA_VERSION.lstrip("v").split(".")[0]
    assert version["vega-embed"].split(".")[0] == altair.VEGAEMBED_VERSION.lstrip("v").split(".")[0]


# -- the mapping and the rewrite, without a browser ----------------------------------------


def test_map_pins_the_versions_of_the_lock_file() -> None:
    """A bump in web/package.json without the map (or the reverse) fails here, not offline."""
    manifest = json.loads((WEB / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    for url, asset in CDN_MAP.items():
        if asset.package is None:
            continue
        assert manifest["dependencies"][asset.package] == asset.version, url
        assert lock["packages"][f"node_modules/{asset.package}"]["version"] == asset.version


def test_map_covers_every_cdn_url_of_the_gx_templates() -> None:
    """A GX upgrade that changes a template URL must update CDN_MAP or NOT_VENDORED."""
    spec = importlib.util.find_spec("great_expectations")
    assert spec is not None and spec.origin is not None
    templates = Path(spec.origin).parent / "render" / "view" / "templates"
    site = templates.parent / "static" / "styles"
    urls = set()
    for path in [*templates.glob("*.j2"), *site.glob("*.css")]:
        text = path.read_text(encoding="utf-8")
        urls |= set(re.findall(r"""<(?:script|link)\b[^>]*?(?:src|href)="(https?://[^"]+)""", text))
        urls |= set(re.findall(r"""url\(['"]?(https?://[^'")]+)""", text))
        urls |= {
            u.split("?")[0] for u in re.findall(r"""<img\b[^>]*?src="(https?://[^"{]+)""", text)
        }
    assert JQUERY in urls
    assert urls <= set(CDN_MAP) | set(NOT_VENDORED), urls - set(CDN_MAP) - set(NOT_VENDORED)


def fake_vendor(root: Path, *, jquery_version: str = "3.7.1") -> Path:
    """A node_modules with jQuery and popper.js; popper's bytes decide its SRI hash."""
    for package, version, file, body in (
        ("jquery", jquery_version, "dist/jquery.min.js", "window.jQuery = 1;"),
        ("popper.js", "1.12.9", "dist/umd/popper.min.js", "window.Popper = 1;"),
    ):
        (root / package / file).parent.mkdir(parents=True, exist_ok=True)
        (root / package / file).write_text(body, encoding="utf-8")
        (root / package / "package.json").write_text(json.dumps({"version": version}))
    return root


def sri(body: str) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body.encode()).digest()).decode()


PAGE = f"""<html><head>
<script src="{JQUERY}"></script>
<script src="{POPPER}" integrity="{{integrity}}" crossorigin="anonymous"></script>
<script src="https://cdn.example.org/unknown.js"></script>
<style>.x {{{{ background: url('https://cdn.example.org/bg.png') }}}}</style>
</head><body><a href="https://greatexpectations.io">GX</a></body></html>
"""


def test_rewrite_is_relative_idempotent_and_leaves_the_unknown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "site"
    page = site / "validations" / "suite" / "run" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE.format(integrity=sri("window.Popper = 1;")), encoding="utf-8")
    vendor = fake_vendor(tmp_path / "node_modules")

    with caplog.at_level(logging.WARNING, logger="newsetl.quality.datadocs_assets"):
        assert localize_data_docs(site, vendor) == 2
    html = page.read_text(encoding="utf-8")
    assert '<script src="../../../static/vendor/jquery/dist/jquery.min.js"></script>' in html
    assert '<script src="../../../static/vendor/popper.js/dist/umd/popper.min.js"></script>' in (
        html
    )
    assert (site / "static/vendor/jquery/dist/jquery.min.js").read_text() == "window.jQuery = 1;"
    assert "https://cdn.example.org/unknown.js" in html and "cdn.example.org/bg.png" in html
    assert 'href="https://greatexpectations.io"' in html  # a link, not an asset
    assert "cdn.example.org/unknown.js" in caplog.text
    assert set(unmapped_urls(site)) == {
        "https://cdn.example.org/unknown.js",
        "https://cdn.example.org/bg.png",
    }

    assert localize_data_docs(site, vendor) == 0
    assert page.read_text(encoding="utf-8") == html


def test_mismatched_copies_keep_their_cdn_links(tmp_path: Path) -> None:
    """A wrong jQuery version or a popper.js that fails GX's SRI hash is not served."""
    site = tmp_path / "site"
    site.mkdir()
    original = PAGE.format(integrity=sri("something else"))
    (site / "index.html").write_text(original, encoding="utf-8")
    vendor = fake_vendor(tmp_path / "node_modules", jquery_version="3.6.0")

    assert localize_data_docs(site, vendor) == 0
    assert (site / "index.html").read_text(encoding="utf-8") == original
    assert {JQUERY, POPPER} <= set(unmapped_urls(site))


def test_without_node_modules_pages_keep_cdn_links(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(PAGE.format(integrity="x"), encoding="utf-8")
    assert localize_data_docs(tmp_path, tmp_path / "missing") == 0
    assert not (tmp_path / "static").exists()
