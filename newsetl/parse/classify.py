"""One class for every head and tail line, decided by features and the lexicons, not by position.

`classify(line)` returns a `Line` whose `kind` is one of `KINDS` and whose `value` is what the
line gives (a `FoundDate`, a name, a number, a section); `rule` names the rule or lexicon entry
(`label author:kk:Дайындаған`, `date form`, `names sections:ru:Экономика`) that decided it, for
`newsetl explain`. A line that holds several items (`Дата: 11.10.2024 | Автор: …`) is split on
` | `, ` · `, ` • ` and each part classified; `parts` keeps them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from newsetl.parse.dates import MAX_DATE_LINE_CHARS, FoundDate, find_date
from newsetl.parse.lexicon import Entry, labels, names

KINDS: tuple[str, ...] = (
    *("title", "date", "updated", "author", "photo_credit", "video_credit", "rubric"),
    *("breadcrumbs", "issue", "views", "reading", "tags", "share", "correction", "signature"),
    *("dateline", "doctype", "name", "decoration", "unknown"),
)

# Classes whose label is followed by a value after `:` or a dash; the others may stand alone.
_VALUE_KINDS = frozenset({"author", "photo_credit", "video_credit", "views", "reading", "tags"})
_LABEL_KINDS: tuple[str, ...] = (
    *("updated", "published", "author", "photo_credit", "video_credit", "views", "reading"),
    *("tags", "share", "correction", "doctype", "relative_day"),
)
_ENTRIES: list[Entry] = sorted(
    (e for kind in _LABEL_KINDS for e in labels()[kind]), key=lambda e: -len(e.text)
)
_BY_FIRST_WORD: dict[str, list[Entry]] = {}
_WORD_END = re.compile(r"[\s:：,.!(—–-]")
for _entry in _ENTRIES:
    _end = _WORD_END.search(_entry.text)
    _first_word = (_entry.text[: _end.start()] if _end else _entry.text).casefold()
    _BY_FIRST_WORD.setdefault(_first_word, []).append(_entry)
_HOME = {e.text.casefold(): e for e in labels()["home"]}
_SEPARATORS = re.compile(r" +[|·•] +")
_CRUMB = re.compile(r" *(?:/|>|»|→|\\) *")
_CRUMB_MARKS = ("/", ">", "»", "→", "\\")
_NUMBER = re.compile(r"\d[\d ]{0,12}")
_DIGIT = re.compile(r"\d")
_VIEWS = re.compile(
    r"(?P<n>\d[\d ]{0,12}) *(?i:рет|просмотр(?:а|ов)?|views?|қаралым)"
    r"(?: +(?i:көрсетілді|просмотр(?:а|ов)?))?"
)
_VIEWS_LABEL = re.compile(r"(?i:(?:рет +)?көрсетілді|просмотр(?:а|ов)?|views?)")
_READING = re.compile(
    r"(?P<n>\d{1,3}) *(?i:мин|минут[а-я]*|min)\.?"
    r"(?: +(?i:оқу үшін|оқу|на чтение|чтения|читать|read))?"
)
_READING_LABEL = re.compile(r"(?i:оқу үшін|оқу|на чтение|чтения|читать|read)")
_SETEXT = re.compile(r"=+|-{3,}|\*{3,}|_{3,}")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[[^\]]+\](?:\([^)]*\))?")
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.(?i:kz|ru|com|org|net|media|info|kg|uz)")
_NAME_WORD = re.compile(r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w'’.-]*")
_ISSUE = re.compile(r"№ *\d+(?: *\(\d+\))?[ ,.]*(?P<rest>.*)")
_SENTENCE_END = '.!?…»"”'
# Distinct short lines whose class is kept (see `classify`).
CACHED_LINES = 16_384
# Longer lines are paragraphs: no name, rubric or trail test reads them.
MAX_LINE_CHARS = 400
# Issuing bodies: Russian names open the line (`Пресс-служба акимата …`, `Министерство …`), Kazakh
# ones close it (`… әкімдігінің баспасөз қызметі`, `… министрлігі`), so a sentence that mentions
# an akimat is not a signature.
_ISSUERS = re.compile(
    "|".join(
        ("^" + re.escape(key) if entry.language == "ru" else re.escape(key) + r"\w*$")
        for key, entry in sorted(names()["issuers"].items(), key=lambda kv: -len(kv[0]))
    )
)
# Searching that alternation costs ~20 us on a headline, so it only runs on a line that could
# match: one opening with a Russian name, or whose last word holds the last word of a Kazakh one
# (`key\w*$` puts the end of the key inside the line's last run of word characters).
_ISSUER_OPENINGS = tuple(k for k, e in names()["issuers"].items() if e.language == "ru")
_ISSUER_ENDINGS = tuple(
    sorted({re.search(r"\w*$", k)[0] for k, e in names()["issuers"].items() if e.language != "ru"})
)


@dataclass(slots=True)
class Line:
    """A classified line: its class, what it gives, and the rule that decided it."""

    text: str
    kind: str = "unknown"
    value: object = None
    rule: str = ""
    labelled: bool = False  # a date under a "published" label
    heading: bool = False  # a markdown heading (`# …`, `## … ##`)
    parts: list[Line] = field(default_factory=list)


def plain(line: str) -> tuple[str, bool]:
    """The line without markdown emphasis or heading marks; whether it was a heading."""
    heading = False
    if line[:1] == "#":
        stripped = line.lstrip("#")
        if stripped[:1] == " ":
            line, heading = stripped.strip().rstrip("#").strip(), True
    if "*" in line or line[:1] == "_":
        line = line.replace("**", "").strip("*_ ")
    return line, heading


def classify(raw: str) -> Line:
    """Classify one head or tail line (see the module docstring).

    Head and tail lines repeat across an outlet's articles (rubrics, labels, credits, share
    lines, signatures), so each distinct line up to MAX_LINE_CHARS is classified once per
    process (the lexicons do not change while it runs); the caller gets its own copy, since
    picking the fields marks lines (`title`)."""
    if len(raw) > MAX_LINE_CHARS:
        return _classify(raw)
    return _copy(_classify_cached(raw))


def _copy(line: Line) -> Line:
    parts = [_copy(part) for part in line.parts] if line.parts else []
    return Line(line.text, line.kind, line.value, line.rule, line.labelled, line.heading, parts)


def _classify(raw: str) -> Line:
    text, heading = plain(raw)
    line = Line(raw, heading=heading)
    if not text:
        return _set(line, "decoration", None, "empty after markdown")
    found = _classify_one(text, line)
    if (
        found.kind == "unknown"
        and len(text) <= 200
        and ("|" in text or "·" in text or "•" in text)
        and (separator := _SEPARATORS.search(text))
    ):
        pieces = _SEPARATORS.split(text)
        rest = text[separator.end() :]
        if len(pieces) > 2 and find_date(rest) is not None:  # `Сенат • 26 Наурыз, 2024 | 14:30`
            pieces = [pieces[0], rest]
        parts = [_classify_one(p, Line(p), alone=False) for p in pieces]
        known = [p for p in parts if p.kind not in ("unknown", "decoration")]
        if len(known) >= 1 and len(parts) >= 2:
            line.parts = parts
            first = known[0]
            # `Экономика • 14 Қаңтар, 2025 | 10:20`: a section before a date is a byline
            opener = parts[0]
            dated = any(p.kind == "date" for p in parts[1:])
            if dated and opener.kind == "unknown" and len(opener.text.split()) <= 4:
                opener.kind, opener.value, opener.rule = "rubric", opener.text, "byline"
            return _set(line, first.kind, first.value, "parts: " + first.rule, first.labelled)
    return found


def _set(line: Line, kind: str, value: object, rule: str, labelled: bool = False) -> Line:
    line.kind, line.value, line.rule, line.labelled = kind, value, rule, labelled
    return line


def label_of(text: str) -> tuple[Entry, str] | None:
    """The lexicon label opening `text` (markdown emphasis removed), and the rest."""
    return _label(plain(text)[0]) if text else None


def _label(text: str) -> tuple[Entry, str] | None:
    """The lexicon label that opens the line, and the rest after its `:`/dash."""
    m = _WORD_END.search(text)
    first = (text[: m.start()] if m else text).casefold()
    candidates = _BY_FIRST_WORD.get(first)
    if candidates is None:
        return None
    folded = text.casefold()
    for entry in candidates:
        label = entry.text.casefold()
        if not folded.startswith(label):
            continue
        rest = text[len(label) :]
        if not rest:
            return entry, ""
        if rest[0] in ":：":
            return entry, rest[1:].strip()
        if rest[:3] in (" - ", " — ", " – ") or rest[:2] in ("—", "– "):
            return entry, rest.lstrip(" -—–").strip()
        if rest[0] == " " or rest[0] in ",!.(":
            if entry.kind not in _VALUE_KINDS and len(text) > 100:
                continue
            if entry.kind in _VALUE_KINDS and not (
                entry.kind == "photo_credit" and rest[1:2].islower() and len(text) <= 60
            ):
                continue
            return entry, rest.strip(" ,.!")
    return None


def _classify_one(text: str, line: Line, alone: bool = True) -> Line:
    if _SETEXT.fullmatch(text):
        return _set(line, "decoration", None, "setext underline")
    if _MD_IMAGE.fullmatch(text):
        return _set(line, "decoration", None, "markdown image")
    if text[0] == "[" and _MD_LINK.match(text):
        return _set(line, "share", None, "markdown link line")
    if text[0] == "©":
        return _set(line, "photo_credit", text[1:].strip() or None, "©")
    if text[0] == "№" and (m := _ISSUE.fullmatch(text)):
        found = find_date(m["rest"]) if m["rest"] else None
        return _set(line, "issue", found, "issue line №")
    if text[0] == "#" and all(word[:1] == "#" for word in text.split()):
        return _set(line, "tags", text, "hashtags")
    short = len(text) <= MAX_DATE_LINE_CHARS
    if (found := _label(text)) is not None:
        entry, rest = found
        kind = entry.kind
        if kind in ("published", "updated"):
            date = find_date(text) or (find_date(rest) if rest else None)
            if date is None:
                return _set(line, "unknown", None, f"label {entry.ref} without a date")
            updated = kind == "updated" or date.updated
            kind = "updated" if updated else "date"
            return _set(line, kind, date, f"label {entry.ref}", labelled=not updated)
        if kind == "relative_day":
            return _set(line, "date", None, f"relative day {entry.ref}: no absolute date")
        if kind == "author":
            name = _name_value(rest)
            if name is None:
                return _set(line, "unknown", None, f"label {entry.ref} without a name")
            return _set(line, "author", name, f"label {entry.ref}")
        if kind in ("views", "reading"):
            m = _NUMBER.match(rest)
            number = _to_int(m[0]) if m else None
            if number is None:
                return _set(line, "unknown", None, f"label {entry.ref} without a number")
            return _set(line, kind, number, f"label {entry.ref}")
        return _set(line, kind, rest or None, f"label {entry.ref}")
    if short and _DIGIT.search(text, 0, 40):
        date = find_date(text)
        if date is not None:
            kind = "updated" if date.updated else "date"
            return _set(line, kind, date, "date form")
        if m := _VIEWS.fullmatch(text):
            return _set(line, "views", _to_int(m["n"]), "views form")
        if m := _READING.fullmatch(text):
            return _set(line, "reading", _to_int(m["n"]), "reading-time form")
        if alone and _NUMBER.fullmatch(text):
            return _set(line, "views", _to_int(text), "a number alone (views)")
    if _VIEWS_LABEL.fullmatch(text) or _READING_LABEL.fullmatch(text):
        return _set(line, "decoration", None, "view/reading label line")
    key = text.strip('«»"“”,. ').casefold()
    lexicon = names()
    if (entry := lexicon["outlets"].get(key)) is not None:
        return _set(line, "signature", entry.text, f"names {entry.ref}")
    if (entry := lexicon["sections"].get(key)) is not None:
        return _set(line, "rubric", text.strip(), f"names {entry.ref}")
    if len(text) <= 60 and _DOMAIN.fullmatch(key):
        return _set(line, "signature", text, "a site's domain")
    if len(text) <= 200 and (crumb := _breadcrumbs(text)) is not None:
        return _set(line, "breadcrumbs", crumb[0], crumb[1])
    if len(text) <= 160 and text[-1:] not in ".!?" and (issuer := _issuer(text)) is not None:
        return _set(line, "signature", text, f"names {issuer.ref}")
    if len(text) > MAX_LINE_CHARS:
        return line  # a paragraph, whatever it starts with
    short = len(text) <= 40 and len(text.split()) <= 3
    if short and text.upper() == text and text.lower() != text and not any(map(str.isdigit, text)):
        return _set(line, "rubric", text, "capitals, three words at most")
    if (name := _name_alone(text)) is not None:
        return _set(line, "name", name, "a name alone (2-4 capitalised words)")
    return line


def _breadcrumbs(text: str) -> tuple[str, str] | None:
    """`Главная / Новости / Экономика` -> (`Экономика`, rule); None when not a trail."""
    if not any(mark in text for mark in _CRUMB_MARKS):
        return None  # one part: not a trail
    parts = [p.strip() for p in _CRUMB.split(text)]
    if len(parts) < 2 or any(not p or len(p.split()) > 4 for p in parts):
        return None
    if any(ch.isdigit() for ch in text) or text[-1:] in ".!?:":
        return None
    home = _HOME.get(parts[0].casefold())
    if home is not None:
        return parts[-1], f"breadcrumbs from {home.ref}"
    if all(p.casefold() in names()["sections"] or p.casefold() in _HOME for p in parts):
        return parts[-1], "breadcrumbs of known sections"
    return None


def _issuer(text: str) -> Entry | None:
    folded = text.casefold()
    if not _could_name_issuer(folded):
        return None
    m = _ISSUERS.search(folded)
    if m is None:
        return None
    found = m[0]
    table = names()["issuers"]
    return table.get(found) or next(e for k, e in table.items() if found.startswith(k))


def _could_name_issuer(folded: str) -> bool:
    """Whether `_ISSUERS` can match `folded` at all (a necessary condition, cheap)."""
    if folded.startswith(_ISSUER_OPENINGS) or "" in _ISSUER_ENDINGS or "\n" in folded:
        return True
    start = len(folded)
    while start and (folded[start - 1].isalnum() or folded[start - 1] == "_"):
        start -= 1
    last_word = folded[start:]
    return any(ending in last_word for ending in _ISSUER_ENDINGS)


def _name_value(rest: str) -> str | None:
    name = rest.strip().rstrip(".").strip()
    if not name or len(name) > 120 or len(name.split()) > 12 or any(c.isdigit() for c in name):
        return None
    return name


def _name_alone(text: str) -> str | None:
    """`Ерлан Сагындыков`, `Ерлан ЖАҚЫП,`, `Nurlan Seıituly`: 2-4 words, each capitalised."""
    name = text.rstrip(",").strip()
    words = name.split()
    if not 2 <= len(words) <= 4 or len(name) > 60:
        return None
    if all(_NAME_WORD.fullmatch(word) for word in words) and not name.endswith("."):
        if any(len(word.rstrip(".")) > 1 and word.isupper() for word in words[:1]):
            return None  # `ПРЕСС РЕЛИЗ`, `ОБЩЕСТВО И ВЛАСТЬ`: first word in capitals
        return name
    return None


def _to_int(digits: str) -> int | None:
    digits = digits.replace(" ", "")
    return int(digits) if digits.isdigit() and len(digits) <= 12 else None


def sentence_like(text: str) -> bool:
    """Ends with sentence punctuation and has a few words: prose, not a head or tail item."""
    return len(text) >= 30 and text.rstrip()[-1:] in _SENTENCE_END and len(text.split()) >= 4


_classify_cached = lru_cache(maxsize=CACHED_LINES)(_classify)

__all__ = ["KINDS", "FoundDate", "Line", "classify", "plain", "sentence_like"]
