"""What the line structure of an article says, before counting and language detection, and the
letter classes the head and dateline patterns share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІЄЇЎ"


_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"


_CYRILLIC = "\u0400-\u052f"

_HAS_CYRILLIC = re.compile(f"[{_CYRILLIC}]")
_HAS_LATIN = re.compile(f"[{_LATIN}]")


@dataclass(slots=True)
class _Layout:
    """What the line structure says, before counting and language detection."""

    title: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    published_date: date | None = None
    published_at: datetime | None = None
    date_source: str = "none"
    layout: str = "none"
    author: str | None = None
    section: str | None = None
    views: int | None = None
    reading_minutes: int | None = None
    photo_credit: str | None = None
    photo_caption: str | None = None
    dateline_place: str | None = None
    dateline_date: date | None = None
    agency: str | None = None
    correspondent: str | None = None
    # field -> (line number, rule): where each field came from (see newsetl.parse.explain)
    why: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    # (line number, zone, class, text, rule) for every non-empty line, in order
    lines: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    # body line number -> (class, rule) of a line left out of the paragraphs
    dropped: dict[int, tuple[str, str]] = field(default_factory=dict)
