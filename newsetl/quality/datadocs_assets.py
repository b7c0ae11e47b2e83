"""Make GX Data Docs work without the internet: CDN links become relative links to local copies.

GX's page templates load jQuery, Bootstrap, bootstrap-table, Vega and friends from public CDNs, and
the index page's table of runs is drawn by bootstrap-table, so an air-gapped browser shows an
empty index. The same libraries, pinned by `web/package-lock.json`, are installed by
`npm ci --prefix web`; this module copies the files the pages use into
`<site>/static/vendor/<package>/...` and points the pages at them.

Which URL maps to which file is data (`CDN_MAP`), checked against the installed package
versions, so a GX upgrade that changes a URL leaves that link on the CDN and says so, instead
of silently serving a different library.
"""

from __future__ import annotations

import base64
import filecmp
import hashlib
import json
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from newsetl.common.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

DEFAULT_VENDOR_DIR = PROJECT_ROOT / "web" / "node_modules"
VENDOR_SUBDIR = Path("static") / "vendor"


@dataclass(frozen=True)
class Asset:
    """A local stand-in for one CDN URL: `file` inside npm `package`, or a file GX ships."""

    file: str
    package: str | None = None  # None: `file` is relative to the site (GX's own static/)
    version: str | None = None  # the installed package must be exactly this version
    extras: tuple[str, ...] = ()  # package dirs the file refers to (fonts of a stylesheet)


# The chart libraries, in load order: Vega, Vega-Lite, vega-embed. The versions are the ones the
# installed altair writes its specs for (altair.VEGA_VERSION and friends).
VEGA = Asset("build/vega.min.js", "vega", "6.4.0")
VEGA_LITE = Asset("build/vega-lite.min.js", "vega-lite", "6.4.1")
VEGA_EMBED = Asset("build/vega-embed.min.js", "vega-embed", "7.3.0")
CHART_ASSETS = (VEGA, VEGA_LITE, VEGA_EMBED)

# Keys are the URLs of GX 1.24's templates, query strings dropped. URLs pinned to a version
# map to the same version on npm; bootstrap-table-filter-control 1.19.0's CSS differs from
# 1.19.1's only in its version banner, so both map to the one installed package.
CDN_MAP: dict[str, Asset] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": Asset("dist/jquery.min.js", "jquery", "3.7.1"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": Asset(
        "dist/umd/popper.min.js", "popper.js", "1.12.9"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": Asset(
        "dist/css/bootstrap.min.css", "bootstrap", "4.3.1"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": Asset(
        "dist/js/bootstrap.min.js", "bootstrap", "4.3.1"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": Asset(
        "dist/bootstrap-table.min.css", "bootstrap-table", "1.19.1"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": Asset(
        "dist/bootstrap-table.min.js", "bootstrap-table", "1.19.1"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": Asset(
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        "bootstrap-table",
        "1.19.1",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": Asset(
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        "bootstrap-table",
        "1.19.1",
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": Asset(
        "dist/extensions/filter-control/bootstrap-table-filter-control.css",
        "bootstrap-table",
        "1.19.1",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": Asset(
        "dist/css/bootstrap-datepicker.min.css", "bootstrap-datepicker", "1.9.0"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": Asset(
        "dist/js/bootstrap-datepicker.min.js", "bootstrap-datepicker", "1.9.0"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": Asset(
        "css/all.min.css", "@fortawesome/fontawesome-free", "6.6.0", extras=("webfonts",)
    ),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": Asset(
        "dist/css/bootstrap-prefers-dark.css", "@forevolve/bootstrap-dark", "1.1.0"
    ),
    # The navbar logo, fetched with the data context id in its query string; GX ships it.
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png": Asset(
        "static/images/logo-long.png"
    ),
    # The dark-mode navbar logo (a CSS background in GX's inline styles). GX ships no local
    # copy: dark mode shows the light logo rather than reach for the network.
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png": Asset(
        "static/images/logo-long.png"
    ),
    # Charts. GX's templates ask for the newest vega 5, vega-lite 5 and vega-embed 6, but the
    # chart specs GX writes come from the installed altair, whose schema is Vega-Lite 6
    # (altair.VEGALITE_VERSION): they map to the versions altair targets, which are also the
    # copies the daily report page inlines (newsetl.quality.report_page).
    "https://cdn.jsdelivr.net/npm/vega@5": VEGA,
    "https://cdn.jsdelivr.net/npm/vega-lite@5": VEGA_LITE,
    "https://cdn.jsdelivr.net/npm/vega-embed@6": VEGA_EMBED,
}

# Known URLs deliberately left on the CDN: logged at debug level, not as a problem. None now:
# every asset of GX 1.24's templates has a local copy.
NOT_VENDORED: dict[str, str] = {}

# Asset references only: <script src>, <img src>, <link href> and CSS url(); plain <a href>
# links are navigation, not something the page needs to render.
_TAG = re.compile(r"<(?:script|img|link)\b[^>]*>", re.IGNORECASE)
_TAG_URL = re.compile(
    r"""(?P<tag>\b(?:src|href)\s*=\s*)(?P<q>["'])(?P<url>https?://[^"'\s>]+)(?P=q)""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(
    r"""(?P<tag>url\(\s*)(?P<q>["']?)(?P<url>https?://[^"')\s]+)(?P=q)""", re.IGNORECASE
)
# A file:// page has an opaque origin: Chromium refuses a file script that carries
# `integrity` (with or without `crossorigin`). Local copies drop both attributes, after
# the copy has been checked against the hash GX pinned.
_CROSSORIGIN = re.compile(r"""\s+crossorigin(?:\s*=\s*(["'])[^"']*\1)?""", re.IGNORECASE)
_INTEGRITY = re.compile(r"""\s+integrity\s*=\s*(["'])(?P<value>[^"']*)\1""", re.IGNORECASE)


def localize_data_docs(site_dir: Path, vendor_dir: Path | None = None) -> int:
    """Point every mapped CDN URL in the site's HTML at a copy under `static/vendor/`.

    Returns how many URLs were rewritten; 0 on a second run. With no `vendor_dir` (default
    `<project>/web/node_modules`, filled by `npm ci --prefix web`) the pages keep their CDN
    links. URLs that cannot be mapped stay as they are and are logged (see `unmapped_urls`).
    """
    site_dir = Path(site_dir)
    vendor_dir = Path(vendor_dir) if vendor_dir is not None else DEFAULT_VENDOR_DIR
    if not vendor_dir.is_dir():
        log.info("no %s: Data Docs keep their CDN links (run `npm ci --prefix web`)", vendor_dir)
        return 0
    resolver = _Resolver(site_dir, vendor_dir)
    rewritten = 0
    for page in sorted([*site_dir.rglob("*.html"), *site_dir.rglob("*.css")]):
        if VENDOR_SUBDIR in page.relative_to(site_dir).parents:
            continue  # the vendored copies themselves
        text = page.read_text(encoding="utf-8")
        new, count = resolver.rewrite(page, text)
        if count:
            page.write_text(new, encoding="utf-8")
            rewritten += count
    for url in sorted(resolver.unmapped):
        log.warning("Data Docs still load %s from the network: %s", url, resolver.unmapped[url])
    return rewritten


class VendorError(RuntimeError):
    """A library the pages need is not installed under web/node_modules, or not the pinned one."""


def read_vendored(asset: Asset, vendor_dir: Path | None = None) -> str:
    """The text of a vendored file, checked against the pinned version."""
    assert asset.package is not None
    vendor_dir = Path(vendor_dir) if vendor_dir is not None else DEFAULT_VENDOR_DIR
    installed = package_version(vendor_dir, asset.package)
    if installed != asset.version:
        raise VendorError(
            f"{asset.package} {asset.version} is needed from {vendor_dir}, found "
            f"{installed or 'nothing'}: run `npm ci --prefix web`"
        )
    return (vendor_dir / asset.package / asset.file).read_text(encoding="utf-8")


def unmapped_urls(site_dir: Path) -> dict[str, str]:
    """External asset URLs left in the site's HTML and GX's styles -> why (known-and-skipped
    or unknown)."""
    site_dir = Path(site_dir)
    found: dict[str, str] = {}
    for page in [*site_dir.rglob("*.html"), *site_dir.rglob("*.css")]:
        if VENDOR_SUBDIR in page.relative_to(site_dir).parents:
            continue
        text = page.read_text(encoding="utf-8")
        urls = [m["url"] for t in _TAG.finditer(text) if (m := _TAG_URL.search(t[0]))]
        urls += [m["url"] for m in _CSS_URL.finditer(text)]
        for url in urls:
            found[url] = NOT_VENDORED.get(_strip_query(url), "not in CDN_MAP")
    return found


class _Resolver:
    """Maps URLs to local files for one site, copying each file in at most once."""

    def __init__(self, site_dir: Path, vendor_dir: Path) -> None:
        self.site_dir = site_dir
        self.vendor_dir = vendor_dir
        self.unmapped: dict[str, str] = {}
        self._targets: dict[str, Path | None] = {}
        self._versions: dict[str, str | None] = {}

    def rewrite(self, page: Path, text: str) -> tuple[str, int]:
        """`text` of `page` with mapped URLs made relative, and how many were."""
        count = 0

        def local(url: str, integrity: str | None) -> str | None:
            nonlocal count
            target = self._target(url)
            if target is None:
                return None
            if integrity is not None and not _check_integrity(target, integrity):
                self.unmapped[url] = f"{target} does not match the integrity hash GX pinned"
                return None
            count += 1
            return Path(os.path.relpath(target, page.parent)).as_posix()

        def tag(match: re.Match[str]) -> str:
            element = match[0]
            source = _TAG_URL.search(element)
            if source is None:
                return element
            integrity = _INTEGRITY.search(element)
            path = local(source["url"], integrity["value"] if integrity else None)
            if path is None:
                return element
            q = source["q"]
            element = (
                f"{element[: source.start()]}{source['tag']}{q}{path}{q}" + element[source.end() :]
            )
            return _CROSSORIGIN.sub("", _INTEGRITY.sub("", element))

        def css(match: re.Match[str]) -> str:
            path = local(match["url"], None)
            return match[0] if path is None else f"{match['tag']}{match['q']}{path}{match['q']}"

        text = _TAG.sub(tag, text)
        text = _CSS_URL.sub(css, text)
        return text, count

    def _target(self, url: str) -> Path | None:
        """The local file for `url` (copied into the site), or None and a note why not."""
        key = _strip_query(url)
        if key in self._targets:
            return self._targets[key]
        target: Path | None = None
        asset = CDN_MAP.get(key)
        if asset is None:
            reason = NOT_VENDORED.get(key)
            if reason:
                log.debug("leaving %s on the CDN: %s", url, reason)
            else:
                self.unmapped[url] = "not in CDN_MAP"
        elif asset.package is None:
            local = self.site_dir / asset.file
            if local.is_file():
                target = local
            else:
                self.unmapped[url] = f"{local} is missing"
        else:
            target = self._vendor(url, asset)
        self._targets[key] = target
        return target

    def _vendor(self, url: str, asset: Asset) -> Path | None:
        assert asset.package is not None
        package_dir = self.vendor_dir / asset.package
        installed = self._installed_version(asset.package)
        if installed != asset.version:
            self.unmapped[url] = (
                f"{asset.package} {installed or 'is not installed'}, pages want {asset.version}"
            )
            return None
        source = package_dir / asset.file
        if not source.is_file():
            self.unmapped[url] = f"{source} is missing"
            return None
        destination = self.site_dir / VENDOR_SUBDIR / asset.package
        _copy(source, destination / asset.file)
        for extra in asset.extras:
            for path in sorted((package_dir / extra).rglob("*")):
                if path.is_file():
                    _copy(path, destination / path.relative_to(package_dir))
        return destination / asset.file

    def _installed_version(self, package: str) -> str | None:
        if package not in self._versions:
            self._versions[package] = package_version(self.vendor_dir, package)
        return self._versions[package]


def package_version(vendor_dir: Path, package: str) -> str | None:
    """The version of an npm package installed in `vendor_dir`, or None."""
    try:
        manifest = json.loads((vendor_dir / package / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(manifest.get("version"))


def _strip_query(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


def _copy(source: Path, destination: Path) -> None:
    """Copy unless an identical file (by size and mtime, which copy2 keeps) is there."""
    if destination.is_file() and filecmp.cmp(source, destination, shallow=True):
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, destination)


def _check_integrity(path: Path, integrity: str) -> bool:
    """True when one of the SRI hashes GX pinned matches the local copy."""
    data = path.read_bytes()
    for token in integrity.split():
        algorithm, _, expected = token.partition("-")
        if algorithm in {"sha256", "sha384", "sha512"}:
            digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
            if digest == expected:
                return True
    return False
