"""The head of an article: title, date lines, byline, author, photo, view and reading-time lines,
read in the layouts the bucket has (see newsetl.parse.article), and the body's paragraphs."""

from __future__ import annotations

import re

from newsetl.parse.dateline import _read_dateline
from newsetl.parse.dates import (
    MAX_DATE_LINE_CHARS,
    FoundDate,
    find_date,
    published_at,
)
from newsetl.parse.layout import _Layout
from newsetl.parse.text import collapse_spaces

# A first line longer than this is a paragraph, not a title (sample titles are 50-125 chars).
MAX_TITLE_CHARS = 400


# Meta lines (photo credit, views, reading time) are short; a long line is a paragraph.
MAX_PHOTO_LINE_CHARS = 500


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


def _to_int(digits: str) -> int | None:
    digits = digits.replace(" ", "")
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None
