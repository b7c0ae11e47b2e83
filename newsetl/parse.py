"""Raw object bytes -> `Article` or `Rejection`, for the layouts found in the bucket.

The head of an article (the lines before the body) comes in a few layouts, recorded as
`Article.layout`:

- `header`: ` date YYYY-MM-DD Title`, then photo lines, one paragraph per line.
- `title`: a title line and nothing that dates it.
- `title_date`: a title line, then a date line (`Дата публикации: 05.03.2026, 10:15`,
  `*5 наурыз 2026*`), possibly among photo, author, view and reading-time lines.
- `date_title`: a date line, then the title.
- `page`: a newspaper page, `Section • D Month, YYYY[ | HH:MM]` byline, title, view count and
  reading time, paragraphs between blank lines, the title repeated as an image caption.
- `wire`: an agency dateline opens the first paragraph (`Астана. 5 марта. KAZAKHSTAN TODAY - `,
  `АСТАНА, 5 мар — Sputnik. `, `Астана. ҚазАқпарат - `), whatever head is above it.
- `none`: no title line was found.

The parser only describes what it finds; deciding whether an article is good enough (no title,
empty body, no date) is the data-quality layer's job. A field it is not sure of stays None. It
never raises.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from newsetl.dates import (
    MAX_DATE_LINE_CHARS,
    FoundDate,
    find_date,
    infer_year,
    month_from_word,
    parse_day_month,
    published_at,
)
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
# `Section • 26 Наурыз, 2024 | 14:30`: the section, then the date (and time) after the first
# bullet. A `|` separates a section only when all that follows it is a date.
_BYLINE = re.compile(r"(?P<section>[^•·|]{1,80}?) *(?P<sep>[•·|]) *(?P<date>.*\d.*)")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Markdown exports: `# Title`, `## Title ##`, `**Title**`; a setext underline under the title.
_MARKDOWN_HEADING = re.compile(r"#{1,6} +(?P<text>.*?)(?: +#+)?")
_SETEXT_UNDERLINE = re.compile(r"=+|-{3,}")
# `Автор: Иван Петров`, `Авторы: …`, `Дайындаған: Айгүл Сейітова`, `Подготовила — …`.
AUTHOR_LABELS: tuple[str, ...] = (
    "автор",
    "авторы",
    "авторлар",
    "авторлары",
    "дайындаған",
    "дайындағандар",
    "материалды дайындаған",
    "подготовил",
    "подготовила",
    "подготовили",
)
_AUTHOR = re.compile(
    "(?i:" + "|".join(sorted(AUTHOR_LABELS, key=len, reverse=True)) + r")"
    r" *(?::|[-–—] ) *(?P<name>\S.*)"
)
_AUTHOR_FIRST = frozenset("*_" + "".join(label[0] + label[0].upper() for label in AUTHOR_LABELS))
# An author line names people; a longer line is a sentence that starts with the word.
MAX_AUTHOR_CHARS = 120
MAX_AUTHOR_WORDS = 12
# `Фото: X` or `Фото — X`; a hyphen without spaces is a compound word (`Фото-көрме ашылды`).
_PHOTO = re.compile(
    r"(?i:фото|сурет|фотосурет|фотография|photo|image|источник фото)"
    r"(?: *: *| +[-–—] +)(?P<rest>\S.*)"
)
# Every body line is tried as a photo line; its first letter rules most out without the regex.
_PHOTO_FIRST = frozenset("ФфСсPpIiИи")
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
# Datelines open the first paragraph of a wire: a place, then a date and/or an agency.
#   wire:    `Астана. 5 марта. KAZAKHSTAN TODAY - `, `Алматы. 12 февраля 2026. Интерфакс-Казахстан
#            — `, `Астана. ҚазАқпарат - `, `АСТАНА. KAZINFORM – `
#   sputnik: `АСТАНА, 5 мар — Sputnik. `, `АЛМАТЫ, 12 ақпан – Sputnik Қазақстан. `
#   dated:   `Алматы, 31 декабря — ` (no agency)
# Possessive quantifiers: a word is never given back letter by letter when no `.` follows it.
_PLACE_WORD = rf"[{_UPPER}][\w'’]++(?:-[\w'’]++)*+"
_PLACE = rf"(?P<place>{_PLACE_WORD}(?: {_PLACE_WORD}){{0,2}})"
# Words are bounded (a month word with its suffix is at most 16 letters, an agency's words 40
# characters): unbounded, a failed match would retry the rest of a long paragraph from every
# letter of the word, which is quadratic.
_DATELINE_DATE = (
    r"(?P<date>\d{1,2}[ -][^\W\d_]{3,16}\.?(?: \d{4}(?: ?(?:г\.|г|года|ж\.|ж|жылы))?)?"
    r"|\d{1,2}\.\d{1,2}\.\d{4}(?: ?(?:г\.|ж\.))?"
    r"|\d{4} (?:жылғы|ж\.) \d{1,2}[ -][^\W\d_]{3,16})"
)
_AGENCY = r"(?P<agency>[/(]?[^\W\d_][\w.'’&-]{0,40}(?: \w[\w.'’&-]{0,40}){0,3}[/)]?)"
_DASH = r" *(?:--|[-–—]) +"
_DATELINE_START = re.compile(rf"{_PLACE}[.,]")
DATELINE_FORMS: dict[str, re.Pattern[str]] = {
    "sputnik": re.compile(rf"{_PLACE}, *{_DATELINE_DATE}{_DASH}{_AGENCY}(?:, *[^.,]{{1,60}})?\. +"),
    "wire": re.compile(
        rf"{_PLACE}[.,] *(?:{_DATELINE_DATE} *[.,]? *)?{_AGENCY}(?: */[^/]{{1,60}}/)?{_DASH}"
    ),
    "dated": re.compile(rf"{_PLACE}[.,] *{_DATELINE_DATE} *[.,]?{_DASH}"),
}
# Agencies whose names are neither in capitals nor camel case; others are recognised by shape.
KNOWN_AGENCIES: frozenset[str] = frozenset(
    name.casefold()
    for name in (
        "Kazinform",
        "Казинформ",
        "ҚазАқпарат",
        "Интерфакс-Казахстан",
        "Interfax-Kazakhstan",
        "Интерфакс",
        "Sputnik",
        "Sputnik Казахстан",
        "Sputnik Қазақстан",
        "РИА Новости",
        "Новости-Казахстан",
        "Қазақпарат",
        "Жетісу ақпарат",
        "Tengrinews",
        "Informburo",
        "Reuters",
        "Синьхуа",
    )
)
_DOMAIN = re.compile(r"\w[\w-]*(?:\.[\w-]+)*\.(?i:kz|ru|com|org|net|info|uz|kg)")
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
    """`raw/2026/000_87f847a6d181454e.txt` -> `000_87f847a6d181454e`.

    The stem of the last path part, as `PurePosixPath(key).stem` gives it (with `\\` read as
    `/`), in string operations: pathlib costs a few microseconds per article.
    """
    parts = [part for part in key.replace("\\", "/").split("/") if part and part != "."]
    name = parts[-1] if parts else ""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


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
        author=layout.author,
        published_date=layout.published_date,
        published_at=layout.published_at,
        date_source=layout.date_source,
        layout=layout.layout,
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
    # Photo lines may precede the title, and so may date lines (layout `date_title`).
    while out.title is None and i < len(lines):
        if _take_photo(lines[i], out):
            i += 1
        elif _take_date_line(lines[i], out, "above_title"):
            if out.layout == "none":
                out.layout = "date_title"
            i += 1
        else:
            break
    if out.title is None and i < len(lines) and len(lines[i]) <= MAX_TITLE_CHARS:
        out.title = _clean_title(lines[i])
        i += 1
        if out.layout == "none":
            out.layout = "title"
        if i < len(lines) and _SETEXT_UNDERLINE.fullmatch(lines[i]):
            i += 1
    i = _read_meta(lines, i, out)
    out.paragraphs = _body(lines[i:], out)
    _read_dateline(out)
    return out


def _read_first_line(line: str, out: _Layout) -> int:
    """Header (layout `header`) or byline (layout `page`); returns how many lines were used."""
    if m := _HEADER.fullmatch(line):
        found = find_date(m["date"])
        if found is not None and not found.updated:
            _set_date(found, out, "header")
        out.title = _clean_title(m["title"] or "") or None
        out.layout = "header"
        return 1
    if len(line) <= 120 and (m := _BYLINE.fullmatch(line)):
        found = find_date(m["date"])
        if found is not None and found.updated:
            found = None
        if found is not None or (m["sep"] != "|" and _YEAR.search(m["date"])):
            out.section = m["section"].strip() or None
            if found is not None:
                _set_date(found, out, "byline")
            out.layout = "page"
            return 1
    return 0


def _clean_title(line: str) -> str:
    """The title without markdown heading marks (`# Title`) or bold (`**Title**`)."""
    if line[:1] == "#" and (m := _MARKDOWN_HEADING.fullmatch(line)):
        line = m["text"].strip()
    if len(line) > 4 and line[:2] == "**" and line[-2:] == "**":
        line = line[2:-2].strip()
    return line


def _set_date(found: FoundDate, out: _Layout, source: str) -> None:
    out.published_date = found.date
    out.published_at = published_at(found)
    out.date_source = source


def _take_date_line(line: str, out: _Layout, source: str) -> bool:
    """Recognise a line that is only a date (`Дата публикации: 05.03.2026, 10:15`,
    `*5 наурыз 2026*`). The first one dates the article; a later one with the same date may
    still give the time. A revision date (`Обновлено: …`) is recognised and not used."""
    if len(line) > MAX_DATE_LINE_CHARS:
        return False
    found = find_date(line)
    if found is None:
        return False
    if found.updated:
        return True
    if out.published_date is None:
        _set_date(found, out, source)
    elif out.published_at is None and found.date == out.published_date:
        out.published_at = published_at(found)
    return True


def _take_author(line: str, out: _Layout) -> bool:
    """Recognise `Автор: …` / `Дайындаған: …`; the first one fills `author`."""
    if len(line) > MAX_AUTHOR_CHARS + 30 or line[:1] not in _AUTHOR_FIRST:
        return False
    plain = line.replace("*", "").strip("_ ") if line[:1] in "*_" else line
    m = _AUTHOR.fullmatch(plain)
    if m is None:
        return False
    name = m["name"].strip().rstrip(".").strip()
    if not name or len(name) > MAX_AUTHOR_CHARS or len(name.split()) > MAX_AUTHOR_WORDS:
        return False
    if out.author is None:
        out.author = name
    return True


def _read_meta(lines: list[str], i: int, out: _Layout) -> int:
    """Consume view count, reading time, photo, date and author lines between the title and the
    body."""
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
        elif _take_photo(line, out) or _take_author(line, out):
            i += 1
        elif _take_date_line(line, out, "below_title"):
            if out.layout == "title":
                out.layout = "title_date"
            i += 1
        else:
            break
    return i


def _body(lines: list[str], out: _Layout) -> list[str]:
    """Paragraphs without photo credit lines, without the title repeated as a caption and
    without an author line at the end."""
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
    if paragraphs and _take_author(paragraphs[-1], out):
        paragraphs.pop()
    return paragraphs


def _take_photo(line: str, out: _Layout) -> bool:
    """Recognise a photo credit line; the first one fills photo_credit and photo_caption."""
    if len(line) > MAX_PHOTO_LINE_CHARS or line[:1] not in _PHOTO_FIRST:
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
    """Take an agency dateline (see DATELINE_FORMS) off the start of the first paragraph."""
    if not out.paragraphs:
        return
    first = out.paragraphs[0]
    if _DATELINE_START.match(first) is None:
        return
    for pattern in DATELINE_FORMS.values():
        m = pattern.match(first)
        if m is None:
            continue
        groups = m.groupdict()
        agency = (groups.get("agency") or "").strip("/()") or None
        rest = first[m.end() :].strip()
        if agency is not None and not _is_agency(agency, rest):
            continue
        dated = _dateline_date(m["date"], out.published_date) if m["date"] else (False, None)
        if dated is None:
            continue  # "Word. 5 things -" is not a dateline
        has_year, dateline_date = dated
        out.dateline_place = m["place"]
        out.agency = agency
        out.dateline_date = dateline_date
        if has_year and dateline_date is not None and out.published_date is None:
            out.published_date = dateline_date
            out.date_source = "dateline"
        if out.layout != "page":
            out.layout = "wire"
        if rest:
            out.paragraphs[0] = rest
        else:
            del out.paragraphs[0]
        return


def _dateline_date(text: str, published: date | None) -> tuple[bool, date | None] | None:
    """(whether the year was written, the date) for a dateline's date; None when `text` is not a
    date at all. A date without a year takes the year that puts it closest to `published`."""
    found = find_date(text)
    if found is not None:
        return True, found.date
    day_month = parse_day_month(text)
    if day_month is not None:
        return False, infer_year(*day_month, published)
    words = text.replace("-", " ").split()
    if len(words) >= 2 and month_from_word(words[1]) is not None:
        return False, None  # a month, but an impossible day (31 июня)
    return None


def _is_agency(name: str, rest: str) -> bool:
    """An agency's name: a known one, or one shaped like one (KAZINFORM, ҚазАқпарат,
    Интерфакс-Казахстан, Zakon.kz, or a Latin-script name over Cyrillic text)."""
    if len(name) > 40:
        return False
    if name.casefold() in KNOWN_AGENCIES:
        return True
    head = name.split()[0]
    letters = [ch for ch in head if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return True
    if any(b.isupper() and (a.islower() or a == "-") for a, b in pairwise(head)):
        return True
    if _DOMAIN.fullmatch(head):
        return True
    return (
        head[0].isupper()
        and _HAS_CYRILLIC.search(head) is None
        and _HAS_CYRILLIC.search(rest[:60]) is not None
    )


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
