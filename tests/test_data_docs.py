"""Data Docs render offline: CDN links become local copies from web/node_modules.

The browser test builds real Data Docs with failing expectations, opens them in headless
Chromium with every host name unresolvable (an air-gapped browser, even on a machine that
could reach the CDNs) and reads what bootstrap-table drew. The same pages with their CDN
links are rendered first as a control: their table of runs must come out empty, which
shows that the test can tell the difference.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

from newsetl import datadocs_assets
from newsetl.datadocs_assets import CDN_MAP, NOT_VENDORED, localize_data_docs, unmapped_urls
from newsetl.rows import VALIDATION_SCHEMA
from newsetl.settings import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
VENDOR = WEB / "node_modules"
RUN_DATE = date(2026, 11, 23)
RUN_NAME = "offline-docs-7f3a9c"
JQUERY = "https://code.jquery.com/jquery-3.7.1.min.js"
POPPER = "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js"

# -- a small DOM, stdlib only ------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
HIDDEN = {"script", "style", "template", "noscript", "head", "title"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """Visible text: script and style bodies (the JS data blob among them) excluded."""
        if self.tag in HIDDEN:
            return ""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        """Elements of `tag` whose attributes contain the given words (class="a b" style)."""
        return [
            n
            for n in self.iter()
            if n.tag == tag
            and all(v in n.attrs.get(k.rstrip("_"), "").split() for k, v in attrs.items())
        ]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# -- headless Chromium -------------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("no chromium on PATH and none can be installed here: `make chromium` adds it")


def render(page: Path) -> Node:
    """The DOM after the page's scripts ran, with no host name resolvable (no CDN)."""
    with tempfile.TemporaryDirectory(prefix="newsetl-chromium-") as profile:
        result = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--virtual-time-budget=5000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0 and "<html" in result.stdout, result.stderr[-2000:]
    return parse(result.stdout)


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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Real Data Docs of a run with a critical (null title) and a warning failure."""
    if not (VENDOR / "jquery" / "package.json").is_file():
        pytest.fail(f"{VENDOR} is not installed: run `npm ci --prefix web` (make web/node_modules)")
    from newsetl.quality import QualityEngine

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

    with pytest.MonkeyPatch.context() as patch:  # as on a machine without npm packages
        patch.setattr(datadocs_assets, "DEFAULT_VENDOR_DIR", tmp / "no-node-modules")
        index = engine.build_data_docs()
    assert JQUERY in unmapped_urls(index.parent), "without web/node_modules CDN links stay"
    cdn_site = tmp / "cdn-site"
    shutil.copytree(index.parent, cdn_site)

    assert engine.build_data_docs() == index  # localizes through the default vendor dir
    return Site(index=index, cdn_index=cdn_site / "index.html")


def run_rows(index: Node) -> list[Node]:
    return [tr for tr in index.find_all("tr", class_="clickable-row") if RUN_NAME in tr.text()]


@pytest.mark.slow
def test_cdn_pages_show_no_runs_offline(site: Site) -> None:
    """The control: with CDN links and no network the index table stays empty."""
    dom = render(site.cdn_index)
    assert "Data Docs" in dom.text()  # the page itself did load
    assert RUN_NAME not in dom.text()
    assert run_rows(dom) == []


@pytest.mark.slow
def test_offline_index_lists_the_run_and_links_its_failures(site: Site) -> None:
    assert set(unmapped_urls(site.index.parent)) <= set(NOT_VENDORED)

    index = render(site.index)
    table = index.find_all("table", class_="ge-index-page-validation-results-table")
    assert len(table) == 1 and RUN_NAME in table[0].text()
    (row,) = run_rows(index)
    assert row.find_all("i", class_="fa-times"), "the run is marked failed"
    assert index.find_all("div", class_="bootstrap-table"), "bootstrap-table did not run"

    page = site.index.parent / row.attrs["data-href"]
    assert page.is_file() and "/validations/articles/" in page.as_posix()
    dom = render(page)
    assert re.search(r"Status:\s*Failed", dom.text())

    sections = {
        header.text(): section
        for section in dom.find_all("div", class_="ge-section")
        for header in section.find_all("h5")
    }
    title = sections["title"]
    assert "values must never be null" in title.text()
    assert "1 unexpected values found" in title.text()
    assert "kk/untitled.txt" in title.text()  # the failing key, in the unexpected-rows table
    assert title.find_all("i", class_="text-danger"), "failed status icon"
    assert title.find_all("div", class_="bootstrap-table"), "bootstrap-table did not run"

    mixed = sections["mixed_script_count"]
    assert "ru/mixed.txt" in mixed.text()
    assert mixed.find_all("i", class_="text-danger")
    assert sections["language"].find_all("i", class_="text-success")


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

    with caplog.at_level(logging.WARNING, logger="newsetl.datadocs_assets"):
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
