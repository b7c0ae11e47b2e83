"""Raw object bytes -> `Article` or `Rejection`, for the four layouts found in the bucket.

1. ` date YYYY-MM-DD Title` header, photo line, one paragraph per line.
2. Title line, photo line, one paragraph per line (no date).
3. Newspaper page: `Section • D Month, YYYY` byline, title, view count and reading time split
   over two lines each, paragraphs between blank lines, the title repeated as an image caption
   and a `Фото: …` credit among the paragraphs.
4. Agency wire: as 1, with `Фото: CREDIT. CAPTION` and a `Place. D month. AGENCY - ` dateline
   opening the first paragraph.

The parser only describes what it finds; deciding whether an article is good enough (no title,
empty body, no date) is the data-quality layer's job. It never raises.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

from newsetl.dates import infer_year, make_date, month_from_word, parse_date, parse_day_month
from newsetl.decode import DecodeFailure, decode_bytes
from newsetl.language import PREFIX_CHARS, detect_language
from newsetl.records import Article, Rejection
from newsetl.text import collapse_spaces, normalize_text

# A first line longer than this is a paragraph, not a title (sample titles are 50-125 chars).
MAX_TITLE_CHARS = 400
# Meta lines (photo credit, views, reading time) are short; a long line is a paragraph.
MAX_PHOTO_LINE_CHARS = 500

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІЄЇЎ"
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_CYRILLIC = "\u0400-\u052f"

# ` date 2026-01-08 Title`; the token only has to look like a date (` date 2026-13-45 Title`
# still gives the title), so that an English title such as "Date 5 ideas" is not a header.
_HEADER = re.compile(r"(?i:date) +(?P<date>\d{1,4}[-./]\d{1,2}[-./]\d{1,4}\S*)(?: +(?P<title>.*))?")
_BYLINE = re.compile(r"(?P<section>[^•·]{1,80}?) *[•·] *(?P<date>[^•·]*\d[^•·]*)")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# `Фото: X` or `Фото — X`; a hyphen without spaces is a compound word (`Фото-көрме ашылды`).
_PHOTO = re.compile(
    r"(?i:фото|сурет|фотосурет|фотография|photo|image|источник фото)"
    r"(?: *: *| +[-–—] +)(?P<rest>\S.*)"
)
_VIEWS = re.compile(
    r"(?P<n>\d[\d ]{0,12}) *(?i:рет|просмотр(?:а|ов)?|views?)"
    r"(?: +(?i:көрсетілді|просмотр(?:а|ов)?))?"
)
_VIEWS_PREFIXED = re.compile(r"(?i:просмотр(?:ов|ы)|көрсетілім|views?) *:? *(?P<n>\d[\d ]{0,12})")
_VIEWS_LABEL = re.compile(r"(?i:(?:рет +)?көрсетілді|просмотр(?:а|ов)?|views?)")
_NUMBER = re.compile(r"\d[\d ]{0,12}")
_READING = re.compile(
    r"(?P<n>\d{1,3}) *(?i:мин|минут[а-я]*|min)\.?"
    r"(?: +(?i:оқу үшін|оқу|на чтение|чтения|читать|read))?"
)
_READING_PREFIXED = re.compile(r"(?i:время чтения|оқу уақыты) *:? *(?P<n>\d{1,3}) *(?i:мин)\S*")
_READING_LABEL = re.compile(r"(?i:оқу үшін|оқу|на чтение|чтения|читать|read)")
_DATELINE = re.compile(
    rf"(?P<place>[{_UPPER}][\w'’]*(?:[ -][{_UPPER}][\w'’]*){{0,2}})[.,] *"
    rf"(?:(?P<day>\d{{1,2}}) +(?P<month>[^\W\d_]+)\.?"
    r"(?: +(?P<year>\d{4})(?: *(?:г\.|г|года|ж\.|ж|жылы))?)? *[.,]? *)?"
    rf"(?P<agency>[/(]?[{_UPPER}][{_UPPER}0-9]+(?:[ .&'-][{_UPPER}0-9]+)*[/)]?)?"
    r" *[-–—]{1,2} +"
)
# A run of Latin letters touching another, non-Latin, word character (Cyrillic, digit...) on
# either side. The pattern opens with the Latin class so the regex engine skips Cyrillic text at
# C speed (an alternation or a leading lookbehind would make it 5x slower), and the second
# lookbehind makes it fail at once inside a run, which keeps 1 MB one-word lines linear.
_LATIN_TOUCHING = re.compile(
    rf"[{_LATIN}](?<![{_LATIN}][{_LATIN}])"
    rf"(?:(?<=[^\W{_LATIN}][{_LATIN}])[{_LATIN}]*+|[{_LATIN}]*+(?=[^\W{_LATIN}]))"
)
_WORD_TAIL = re.compile(r"\w*")
_HAS_CYRILLIC = re.compile(f"[{_CYRILLIC}]")
_HAS_LATIN = re.compile(f"[{_LATIN}]")


@dataclass(slots=True)
class _Layout:
    """What the line structure says, before counting and language detection."""

    title: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    published_date: date | None = None
    date_source: str = "none"
    section: str | None = None
    views: int | None = None
    reading_minutes: int | None = None
    photo_credit: str | None = None
    photo_caption: str | None = None
    dateline_place: str | None = None
    dateline_date: date | None = None
    agency: str | None = None


def parse_article(key: str, raw: bytes) -> Article | Rejection:
    """Parse one object. Never raises: unexpected errors become an `undecodable` rejection."""
    doc_id = ""
    sha = ""
    try:
        doc_id = doc_id_from_key(key)
        sha = hashlib.sha256(raw).hexdigest()
        return _parse(key, doc_id, sha, raw)
    except Exception as exc:  # one bad object must not stop a batch
        reason = f"parser error: {type(exc).__name__}: {exc}"[:500]
        return Rejection(
            key=str(key), doc_id=doc_id, status="undecodable", reasons=[reason], content_sha256=sha
        )


def doc_id_from_key(key: str) -> str:
    """`raw/2026/000_87f847a6d181454e.txt` -> `000_87f847a6d181454e`."""
    return PurePosixPath(key.replace("\\", "/")).stem


def _parse(key: str, doc_id: str, sha: str, raw: bytes) -> Article | Rejection:
    if not raw:
        return Rejection(key, doc_id, "empty", ["zero bytes"], sha)
    decoded = decode_bytes(raw)
    if isinstance(decoded, DecodeFailure):
        return Rejection(key, doc_id, decoded.status, [decoded.reason], sha)
    text = normalize_text(decoded.text)
    if not text.strip():
        reason = f"only whitespace or invisible characters after decoding as {decoded.encoding}"
        return Rejection(key, doc_id, "whitespace", [reason], sha, decoded.encoding)

    layout = read_layout(text)
    body = "\n".join(layout.paragraphs)
    title = layout.title
    language, confidence = detect_language(
        f"{title}\n{body[:PREFIX_CHARS]}" if title else body[:PREFIX_CHARS]
    )
    return Article(
        key=key,
        doc_id=doc_id,
        title=title,
        body=body,
        paragraphs=layout.paragraphs,
        published_date=layout.published_date,
        date_source=layout.date_source,
        language=language,
        language_confidence=confidence,
        section=layout.section,
        views=layout.views,
        reading_minutes=layout.reading_minutes,
        photo_credit=layout.photo_credit,
        photo_caption=layout.photo_caption,
        dateline_place=layout.dateline_place,
        dateline_date=layout.dateline_date,
        agency=layout.agency,
        paragraph_count=len(layout.paragraphs),
        char_count=len(body),
        word_count=count_words(body),
        source_encoding=decoded.encoding,
        content_sha256=sha,
        mixed_script_tokens=mixed_script_tokens(text),
        mojibake_repaired=decoded.mojibake_repaired,
    )


def read_layout(text: str) -> _Layout:
    """Split normalised text into title, meta data and paragraphs (one paragraph per line)."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    out = _Layout()
    i = 0
    if lines:
        i = _read_first_line(lines[0], out)
    # Photo lines may precede the title in layout 2.
    while out.title is None and i < len(lines) and _take_photo(lines[i], out):
        i += 1
    if out.title is None and i < len(lines) and len(lines[i]) <= MAX_TITLE_CHARS:
        out.title = lines[i]
        i += 1
    i = _read_meta(lines, i, out)
    out.paragraphs = _body(lines[i:], out)
    _read_dateline(out)
    return out


def _read_first_line(line: str, out: _Layout) -> int:
    """Header (layout 1/4) or byline (layout 3); returns how many lines were consumed."""
    if m := _HEADER.fullmatch(line):
        out.published_date = parse_date(m["date"])
        if out.published_date is not None:
            out.date_source = "header"
        out.title = (m["title"] or "").strip() or None
        return 1
    if (m := _BYLINE.fullmatch(line)) and len(line) <= 120:
        published = parse_date(m["date"])
        if published is not None or _YEAR.search(m["date"]):
            out.section = m["section"].strip() or None
            out.published_date = published
            out.date_source = "byline" if published is not None else "none"
            return 1
    return 0


def _read_meta(lines: list[str], i: int, out: _Layout) -> int:
    """Consume view count, reading time and photo lines between the title and the body."""
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if out.views is None and (m := _VIEWS.fullmatch(line) or _VIEWS_PREFIXED.fullmatch(line)):
            out.views = _to_int(m["n"])
            i += 2 if _VIEWS_LABEL.fullmatch(nxt) else 1
        elif out.views is None and _NUMBER.fullmatch(line) and _VIEWS_LABEL.fullmatch(nxt):
            out.views = _to_int(line)
            i += 2
        elif out.reading_minutes is None and (
            m := _READING.fullmatch(line) or _READING_PREFIXED.fullmatch(line)
        ):
            out.reading_minutes = _to_int(m["n"])
            i += 2 if _READING_LABEL.fullmatch(nxt) else 1
        elif _take_photo(line, out):
            i += 1
        else:
            break
    return i


def _body(lines: list[str], out: _Layout) -> list[str]:
    """Paragraphs without photo credit lines and without the title repeated as a caption."""
    title_key = collapse_spaces(out.title).casefold() if out.title else None
    paragraphs = []
    for line in lines:
        if (
            title_key is not None
            and len(line) < len(title_key) + 8
            and collapse_spaces(line).casefold() == title_key
        ):
            continue
        if _take_photo(line, out):
            continue
        paragraphs.append(line)
    return paragraphs


def _take_photo(line: str, out: _Layout) -> bool:
    """Recognise a photo credit line; the first one fills photo_credit and photo_caption."""
    if len(line) > MAX_PHOTO_LINE_CHARS:
        return False
    m = _PHOTO.fullmatch(line)
    if m is None:
        return False
    if out.photo_credit is None and out.photo_caption is None:
        out.photo_credit, out.photo_caption = split_photo_credit(m["rest"])
    return True


def split_photo_credit(rest: str) -> tuple[str | None, str | None]:
    """`МИД РК. Встреча …` -> (`МИД РК`, `Встреча …`); `gov.kz` -> (`gov.kz`, None).

    The credit ends at the first ". " that is not an initial (`А. Иванов. Встреча` keeps
    `А. Иванов`) and is followed by a capital letter, digit or quote.
    """
    rest = rest.strip()
    start = 0
    while (dot := rest.find(". ", start)) != -1:
        before = rest[:dot].rsplit(" ", 1)[-1]
        after = rest[dot + 2 :].lstrip()
        if len(before) > 1 and after and (after[0].isupper() or after[0] in "«\"'0123456789"):
            credit = rest[:dot].strip()
            return (credit or None), after
        start = dot + 2
    if rest.endswith(".") and len(rest.rsplit(" ", 1)[-1]) > 2:
        rest = rest[:-1]  # "Сенаттың баспасөз қызметі." but not the initial in "Иванов А."
    return (rest or None), None


def _read_dateline(out: _Layout) -> None:
    """`Астана. 5 марта. KAZAKHSTAN TODAY - …` at the start of the first paragraph."""
    if not out.paragraphs:
        return
    first = out.paragraphs[0]
    m = _DATELINE.match(first)
    if m is None or not (m["day"] or m["agency"]):
        return
    day_month = None
    if m["day"]:
        day_month = parse_day_month(f"{m['day']} {m['month']}")
        if day_month is None and month_from_word(m["month"]) is None:
            return  # "Word. 5 things -" is not a dateline
    rest = first[m.end() :].strip()
    out.dateline_place = m["place"]
    out.agency = m["agency"].strip("/()") if m["agency"] else None
    if day_month is not None:
        day, month = day_month
        if m["year"]:
            out.dateline_date = make_date(int(m["year"]), month, day)
        else:
            out.dateline_date = infer_year(day, month, out.published_date)
        if out.published_date is None and m["year"] and out.dateline_date is not None:
            out.published_date = out.dateline_date
            out.date_source = "dateline"
    if rest:
        out.paragraphs[0] = rest
    else:
        del out.paragraphs[0]


def mixed_script_tokens(text: str) -> list[str]:
    """Words mixing Latin and Cyrillic letters (`CІМ` with a Latin C), first occurrence order.

    A word is a run of word characters (`\\w`), so `Қазақстан-USA` is two clean words.
    """
    found: dict[str, None] = {}
    end = 0
    for m in _LATIN_TOUCHING.finditer(text):
        if m.start() < end:
            continue  # still inside the word found last time
        start = m.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        end = _WORD_TAIL.match(text, m.start()).end()
        word = text[start:end]
        if _HAS_CYRILLIC.search(word) and _HAS_LATIN.search(word):
            found[word] = None
    return list(found)


def count_words(text: str) -> int:
    """Whitespace-separated tokens, as `wc -w` counts them (a lone dash counts too)."""
    return len(text.split())


def _to_int(digits: str) -> int | None:
    digits = digits.replace(" ", "")
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None
