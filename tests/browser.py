"""Headless Chromium for the tests that open pages: the DOM after the scripts ran, every network
request the page itself made, and what it wrote to the console.

No host name resolves (an air-gapped browser, even on a machine that could reach the CDNs).
Requests are read from Chromium's own network log: a request the page made carries the page's
origin as its initiator ("null" for a file:// page), while the browser's requests for itself
(component updates, network time) have none and are not the page's.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

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


# -- hostile text: markup that marks the page when a browser runs it: <html data-xss="...">
IMG_KEY = "incoming/<img src=x onerror=document.documentElement.dataset.xss=1>.txt"
SCRIPT_KEY = "incoming/<script>document.documentElement.dataset.xss=2</script>.txt"
SVG_DUPLICATE = "incoming/<svg onload=document.documentElement.dataset.xss=3>.txt"
BOLD_LANGUAGE = "<b id=xss-b>ru</b>"
QUOTES_KEY = 'incoming/tom & jerry &lt;3 "double".txt'  # entity text must stay as written


def injected(dom: Node) -> list[str]:
    """What the hostile values made of the page, if a browser took them for markup."""
    found = [f"script ran ({v})" for h in dom.find_all("html") if (v := h.attrs.get("data-xss"))]
    found += ["<img src=x>" for n in dom.find_all("img") if n.attrs.get("src") == "x"]
    found += ["<svg onload>" for n in dom.find_all("svg") if "onload" in n.attrs]
    found += ["<b id=xss-b>" for n in dom.find_all("b") if n.attrs.get("id") == "xss-b"]
    found += [
        "<script> from a key"
        for n in dom.find_all("script")
        if "".join(c for c in n.children if isinstance(c, str)).startswith("document.")
    ]
    return found


# -- headless Chromium -------------------------------------------------------------------

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Rendered:
    dom: Node
    requests: list[str]  # URLs the page asked for, file: and data: aside
    console: list[str]  # console messages and uncaught errors, in order

    def external_requests(self) -> list[str]:
        """Requests that would leave this machine."""
        return [url for url in self.requests if urlsplit(url).hostname not in LOCAL_HOSTS]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip("no chromium on PATH and none can be installed here: `make chromium` adds it")


_CONSOLE = re.compile(r":CONSOLE[:(][^\]]*\] \"(?P<message>.*)\", source: ")


def render(page: Path, *, dark: bool = False) -> Rendered:
    """The DOM after the page's scripts ran, with no host name resolvable (no CDN)."""
    with tempfile.TemporaryDirectory(prefix="newsetl-chromium-") as profile:
        netlog = Path(profile) / "netlog.json"
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
                "--disable-extensions",
                f"--user-data-dir={profile}/user",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--log-net-log={netlog}",
                "--net-log-capture-mode=Default",
                "--enable-logging=stderr",
                "--v=0",
                *(["--blink-settings=preferredColorScheme=0", "--force-dark-mode"] if dark else []),
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
        requests = _page_requests(json.loads(netlog.read_text(encoding="utf-8")))
    console = [m["message"] for m in _CONSOLE.finditer(result.stderr)]
    return Rendered(dom=parse(result.stdout), requests=requests, console=console)


def _page_requests(log: dict) -> list[str]:
    """URLs of the requests the page started, from Chromium's network log."""
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start or "url" not in params:
            continue
        if params.get("initiator", "not an origin") == "not an origin":
            continue  # the browser's own (updates, network time), not the page's
        if urlsplit(params["url"]).scheme not in {"file", "data", "blob"}:
            urls.append(params["url"])
    return urls
