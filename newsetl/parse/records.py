"""The parser's output contract: an article with its paragraphs, or a rejection with reasons.

Both are plain data so they cross process boundaries (Dask workers, process pools) cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(slots=True)
class Article:
    """One article parsed from one object. Field names follow the `articles` table."""

    key: str
    doc_id: str
    title: str | None
    body: str
    paragraphs: list[str]
    author: str | None = None
    published_date: date | None = None
    # The moment of publication, timezone-aware; None without a time (see dates.published_at).
    published_at: datetime | None = None
    # header | byline | above_title | below_title | footer | dateline | none
    date_source: str = "none"
    # header | title | title_date | date_title | page | wire | none (see parse.py)
    layout: str = "none"
    language: str | None = None  # ISO 639-1, None when undetermined
    language_confidence: float = 0.0
    section: str | None = None
    views: int | None = None
    reading_minutes: int | None = None
    photo_credit: str | None = None
    photo_caption: str | None = None
    dateline_place: str | None = None
    dateline_date: date | None = None
    agency: str | None = None
    paragraph_count: int = 0
    char_count: int = 0
    word_count: int = 0
    source_encoding: str = "utf-8"
    content_sha256: str = ""
    mixed_script_tokens: list[str] = field(default_factory=list)
    mojibake_repaired: bool = False
    # field -> (line number, rule or lexicon entry that decided it); see newsetl.parse.explain
    why: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    # head and tail lines, and how many of them no class read (layout drift watches the share)
    frame_lines: int = 0
    unknown_lines: int = 0


@dataclass(slots=True)
class Rejection:
    """Bytes that are not an article at all. `status` is one short code, `reasons` say why."""

    key: str
    doc_id: str
    status: str  # binary | undecodable | empty | whitespace
    reasons: list[str]
    content_sha256: str
    source_encoding: str | None = None


ParseResult = Article | Rejection
