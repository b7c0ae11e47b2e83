"""The head and tail of an article read line by line: title, date, author, credit, section,
views, reading time, and the body's paragraphs (see newsetl.parse.article for the design).

`read_layout` finds the body first (newsetl.parse.zones), classifies every head and tail line
(newsetl.parse.classify) and picks each field from the classified lines, recording per field
the line it came from and the rule that decided it."""

from __future__ import annotations

import re

from newsetl.parse.classify import Line, classify, label_of, plain
from newsetl.parse.dateline import _read_dateline
from newsetl.parse.dates import find_date
from newsetl.parse.layout import _Layout
from newsetl.parse.markup import has_markup, markup_to_text
from newsetl.parse.pick import pick_fields
from newsetl.parse.text import collapse_spaces, normalize_text
from newsetl.parse.title import clean_title as _clean_title
from newsetl.parse.title import split_photo_credit
from newsetl.parse.zones import blocks_to_lines, body_bounds

# A line longer than this is a paragraph, not a title (sample titles are 50-125 chars).
MAX_TITLE_CHARS = 400

# ` date 2026-01-08 Title`; the token only has to look like a date (` date 2026-13-45 Title`
# still gives the title), so that an English title such as "Date 5 ideas" is not a header.
_HEADER = re.compile(r"(?i:date) +(?P<date>\d{1,4}[-./]\d{1,2}[-./]\d{1,4}\S*)(?: +(?P<title>.*))?")

# Lines inside the body that are not prose: credits, images, related links.
_INNER_DROP = frozenset({"photo_credit", "video_credit", "share"})
_BOILERPLATE = frozenset(
    {"share", "tags", "correction", "photo_credit", "video_credit", "updated", "doctype"}
)


def read_layout(text: str) -> _Layout:
    """Split normalised text into zones, classify head and tail lines, pick the fields."""
    if has_markup(text):
        text = normalize_text(markup_to_text(text))
    lines = blocks_to_lines(text)
    out = _Layout()
    first = 0
    header: Line | None = None
    if lines and lines[0][:1] in "dD" and (m := _HEADER.fullmatch(lines[0])):
        header = Line(lines[0], "date", find_date(m["date"]), "crawler header ` date …`")
        title = _clean_title(m["title"] or "") or None
        out.title = title
        first = 1
    bounds = body_bounds(lines, _is_boilerplate, first)
    if bounds is None:
        head_end, body_end = _fallback_bounds(lines, first, out.title is not None)
    else:
        head_end, body_end = bounds[0], _extend_body(lines, bounds[1] + 1)
    head = [classify(line) for line in lines[first:head_end]]
    tail = [classify(line) for line in lines[body_end:]]
    body = lines[head_end:body_end]
    numbered = [(first + i, line) for i, line in enumerate(head)]
    tail_numbered = [(body_end + i, line) for i, line in enumerate(tail)]
    if header is not None:
        numbered.insert(0, (0, header))
    title_at = pick_fields(out, numbered, tail_numbered, header)
    if out.title is None and body and _headline_like(body[0]):
        out.title = _clean_title(body[0])
        out.why["title"] = (head_end, "first body line reads as a headline")
        head.append(classify(body[0]))
        head[-1].kind = "title"
        numbered.append((head_end, head[-1]))
        body = body[1:]
        head_end += 1
        title_at = head_end - 1
    out.paragraphs = _clean_body(body, out, head_end)
    _read_dateline(out)
    if out.author is None and out.correspondent:
        out.author = out.correspondent
        out.why["author"] = (head_end, "correspondent in the agency dateline")
    if out.why.get("dateline_place") is None and out.dateline_place is not None:
        out.why["dateline_place"] = (head_end, "agency dateline opening the first paragraph")
    out.layout = _layout_code(out, title_at)
    dropped = out.dropped
    out.lines = (
        [(n, "head", line.kind, line.text, line.rule) for n, line in numbered]
        + [
            (n, "body", dropped.get(n, ("body", ""))[0], text, dropped.get(n, ("", ""))[1])
            for n, text in enumerate(lines[head_end:body_end], start=head_end)
        ]
        + [(n, "tail", line.kind, line.text, line.rule) for n, line in tail_numbered]
    )
    if out.dateline_place is not None:
        first_body = next((i for i, row in enumerate(out.lines) if row[2] == "body"), None)
        if first_body is not None:
            n, zone, _, text, _ = out.lines[first_body]
            out.lines[first_body] = (n, zone, "dateline", text, "agency dateline, then body")
    return out


def _extend_body(lines: list[str], end: int) -> int:
    """Short sentences after the last prose line (`Екінші абзац.`) are body, up to the first
    line that is not an unknown sentence."""
    while end < len(lines):
        line = lines[end]
        if line.rstrip()[-1:] not in ".!?…" or classify(line).kind != "unknown":
            break
        end += 1
    return end


def _is_boilerplate(line: str) -> bool:
    found = label_of(line) if len(line) < 300 else None
    return found is not None and found[0].kind in _BOILERPLATE


def _fallback_bounds(lines: list[str], first: int, titled: bool) -> tuple[int, int]:
    """No prose line: head = leading classified lines and one title, body = the rest."""
    i = first
    while i < len(lines):
        kind = classify(lines[i]).kind
        if kind in ("unknown", "name"):
            if titled or len(lines[i]) > MAX_TITLE_CHARS:
                break
            titled = True
        i += 1
    end = len(lines)
    while end > i and classify(lines[end - 1]).kind in _BOILERPLATE | {"signature"}:
        end -= 1
    return i, end


def _headline_like(line: str) -> bool:
    return len(line) <= MAX_TITLE_CHARS and line.rstrip()[-1:] not in ".!?…:;,"


def _clean_body(body: list[str], out: _Layout, offset: int) -> list[str]:
    """Paragraphs without credits, images, related links and the title repeated as a caption."""
    title_key = collapse_spaces(out.title).casefold() if out.title else None
    paragraphs = []
    for i, line in enumerate(body):
        short = title_key is not None and len(line) < len(title_key) + 8
        if short and collapse_spaces(plain(line)[0]).casefold() == title_key:
            out.dropped[offset + i] = ("title", "the title repeated as a caption")
            continue
        if len(line) < 160 and line[:1] in "![©ФфСсPpИиВвЧчОоБб":
            found = classify(line) if line[:1] in "![©" else None
            labelled = label_of(line)
            kind = found.kind if found is not None else (labelled[0].kind if labelled else "")
            if kind == "decoration" or kind in _INNER_DROP:
                if kind == "photo_credit" and out.photo_credit is None:
                    value = found.value if found is not None else labelled[1]
                    out.photo_credit, out.photo_caption = split_photo_credit(str(value or ""))
                    out.why["photo_credit"] = (offset + i, "credit line inside the body")
                rule = found.rule if found is not None else f"label {labelled[0].ref}"
                out.dropped[offset + i] = (kind, rule)
                continue
        paragraphs.append(line)
    return paragraphs


def _layout_code(out: _Layout, title_at: int | None) -> str:
    if out.date_source == "byline":
        return "page"
    if out.layout == "wire":
        return "wire"
    if out.date_source == "header":
        return "header"
    if out.date_source == "below_title":
        return "title_date"
    if out.date_source == "above_title":
        return "date_title"
    return "title" if out.title is not None else "none"


__all__ = ["MAX_TITLE_CHARS", "read_layout", "split_photo_credit"]
