"""Fields picked from classified head and tail lines, each with the line and rule behind it.

- title: the head line that best reads as a headline (see `_headline_score`);
- published date: a labelled "published" date over an unlabelled one, the head before the tail,
  never an "updated" one; `date_source` from where the line sits (above/below the title, a
  newspaper byline, the crawler header, the footer);
- author: a labelled line, then a name alone in the head, then a closing signature in the tail;
- section: a rubric line, else the last element of a breadcrumb trail;
- photo credit, view count, reading time: the first line of their class."""

from __future__ import annotations

from newsetl.parse.classify import Line
from newsetl.parse.dates import FoundDate, published_at
from newsetl.parse.layout import _Layout
from newsetl.parse.title import clean_title as _clean_title
from newsetl.parse.title import split_photo_credit

Numbered = list[tuple[int, Line]]


def pick_fields(out: _Layout, head: Numbered, tail: Numbered, header: Line | None) -> int | None:
    """Fill `out` from the classified lines; returns the title's line number (None without)."""
    title_at = _pick_title(out, head, header)
    _pick_date(out, head, tail, header, title_at)
    for number, line in [*head, *tail]:
        for part in line.parts or [line]:
            _take(out, number, part, line, in_tail=number > (head[-1][0] if head else -1))
    _pick_author(out, head, tail, title_at)
    return title_at


def _headline_score(line: Line) -> float:
    text = line.text.strip("*#_ ")
    words = len(text.split())
    score = 0.0
    if line.heading:
        score += 3
    if words >= 3:
        score += 2
    if words >= 5:
        score += 1
    if 20 <= len(text) <= 250:
        score += 1
    if text[-1:] == "." and not text.endswith("..."):
        score -= 2
    return score


def _pick_title(out: _Layout, head: Numbered, header: Line | None) -> int | None:
    if header is not None:
        out.why["title"] = (0, "crawler header ` date … Title`")
        return 0
    candidates = [
        (n, line)
        for n, line in head
        if line.kind == "unknown" and not line.parts and len(line.text) <= 400
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda item: (_headline_score(item[1]), -item[0]))
    number, line = best
    line.kind = "title"
    out.title = _clean_title(line.text)
    line.rule = f"best headline of {len(candidates)} candidate(s)"
    out.why["title"] = (number, line.rule)
    return number


def _pick_date(
    out: _Layout, head: Numbered, tail: Numbered, header: Line | None, title_at: int | None
) -> None:
    found: list[tuple[tuple[int, int, int], int, Line, Line, str]] = []
    for zone, lines in ((0, head), (1, tail)):
        for number, line in lines:
            for part in line.parts or [line]:
                if part.kind in ("date", "issue") and isinstance(part.value, FoundDate):
                    labelled = -1 if line is header else (0 if part.labelled else 1)
                    key = (labelled, zone, number)
                    found.append(
                        (key, number, line, part, _source(zone, number, line, header, title_at))
                    )
    if not found:
        return
    found.sort(key=lambda item: item[0])
    _, number, line, part, source = found[0]
    date = part.value
    out.published_date = date.date
    out.published_at = published_at(date)
    if out.published_at is None and date.time is None:
        for _, _, _, other, _ in found[1:]:
            if other.value.date == date.date and other.value.time is not None:
                out.published_at = published_at(other.value)
                break
    out.date_source = source
    out.why["published_date"] = (number, f"{source}: {part.rule}")


def _source(zone: int, number: int, line: Line, header: Line | None, title_at: int | None) -> str:
    if zone == 1:
        return "footer"
    if header is not None and line is header:
        return "header"
    if line.parts and line.parts[0].kind == "rubric":
        return "byline"
    if title_at is not None and number < title_at:
        return "above_title"
    return "below_title"


def _take(out: _Layout, number: int, part: Line, line: Line, in_tail: bool) -> None:
    kind = part.kind
    if kind == "photo_credit" and out.photo_credit is None and part.value:
        out.photo_credit, out.photo_caption = split_photo_credit(str(part.value))
        out.why["photo_credit"] = (number, part.rule)
    elif kind == "views" and out.views is None and not in_tail:
        out.views = part.value
        out.why["views"] = (number, part.rule)
    elif kind == "reading" and out.reading_minutes is None and not in_tail:
        out.reading_minutes = part.value
        out.why["reading_minutes"] = (number, part.rule)
    elif not in_tail and (
        (kind == "rubric" and _crumb_or_none(out))
        or (kind == "breadcrumbs" and out.section is None)
    ):
        out.section = str(part.value)
        out.why["section"] = (number, part.rule)


def _crumb_or_none(out: _Layout) -> bool:
    """No section yet, or only a breadcrumb's (a rubric line wins over the trail)."""
    found = out.why.get("section")
    return found is None or found[1].startswith("breadcrumbs")


def _pick_author(out: _Layout, head: Numbered, tail: Numbered, title_at: int | None) -> None:
    def parts(lines: Numbered):
        for number, line in lines:
            for part in line.parts or [line]:
                yield number, part

    for number, part in parts(head):
        if part.kind == "author":
            out.author, out.why["author"] = str(part.value), (number, part.rule)
            return
    for number, part in parts(tail):
        if part.kind == "author":
            out.author, out.why["author"] = str(part.value), (number, part.rule)
            return
    for number, part in parts(head):
        if part.kind == "name" and (title_at is None or number > title_at):
            out.author, out.why["author"] = str(part.value), (number, part.rule)
            return
    for number, part in parts(tail):
        if part.kind == "name":
            out.author = str(part.value)
            out.why["author"] = (number, "closing signature: " + part.rule)
            return
