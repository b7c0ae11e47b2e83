"""Dates as Kazakh and Russian newsrooms write them, parsed without ever raising.

Kazakh month names take case and possessive suffixes (наурызда, наурыздың, қаңтардағы), so they
are matched by stem plus a short letter-only suffix; Russian month names come as a closed set of
case forms and abbreviations. Python's `strptime` cannot do either (it only knows the C/English
locale names), hence the small hand-written tables.

`find_date` reads a whole date line as portals print it around a title: an optional label
(`Дата публикации:`, `Жарияланды:`), an optional weekday, the date in one of the forms of
`DATE_FORMS`, an optional time with an optional UTC offset (before or after the date), and an
optional "updated" remark at the end. `published_at` turns what it found into a moment in time,
or None when the text does not say enough to know it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple

from newsetl.parse.lexicon import labels, month_words

KAZAKH_MONTHS: tuple[str, ...] = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)

# Nominative of each Russian month and its usual abbreviations; the other case forms are built
# from the nominative by `_russian_case_forms`.
_RUSSIAN_NOMINATIVES: tuple[tuple[str, ...], ...] = (
    ("январь", "янв"),
    ("февраль", "фев", "февр"),
    ("март", "мар"),
    ("апрель", "апр"),
    ("май",),
    ("июнь", "июн"),
    ("июль", "июл"),
    ("август", "авг"),
    ("сентябрь", "сен", "сент"),
    ("октябрь", "окт"),
    ("ноябрь", "ноя", "нояб"),
    ("декабрь", "дек"),
)


def _russian_case_forms(nominative: str) -> tuple[str, ...]:
    """январь -> января, январю, январём, январем, январе; март -> марта, марту, мартом, марте."""
    if nominative.endswith(("ь", "й")):  # январь, май: soft stems
        stem = nominative[:-1]
        return (nominative, stem + "я", stem + "ю", stem + "ём", stem + "ем", stem + "е")
    return (nominative, nominative + "а", nominative + "у", nominative + "ом", nominative + "е")


RUSSIAN_MONTHS: dict[str, int] = {
    form: number
    for number, (nominative, *abbreviations) in enumerate(_RUSSIAN_NOMINATIVES, start=1)
    for form in (*_russian_case_forms(nominative), *abbreviations)
}

# Kazakh suffixes are at most a few letters (-да, -дың, -дағы, -ында, -ының).
_MAX_KAZAKH_SUFFIX = 6
_KAZAKH_LETTERS = re.compile("[а-яёәғқңөұүһі]*")
# Abbreviated Kazakh months (қаң., там.) and Latin-script month names, from the lexicon.
_EXTRA_MONTHS: dict[str, int] = month_words()
_LATIN_STEMS: tuple[tuple[str, int], ...] = tuple(
    sorted(
        ((w, n) for w, n in _EXTRA_MONTHS.items() if w.isascii() or not re.search("[а-я]", w)),
        key=lambda item: -len(item[0]),
    )
)
_LATIN_SUFFIX = re.compile("[a-zäáğǵıñńöóşūüúý]")

# Kazakhstan has had one time zone, UTC+5, since 1 March 2024 (00:00 local). Before that the
# east (Astana, Almaty) kept UTC+6 and the west UTC+5, so a time written without an offset
# cannot be placed in time without knowing where the newsroom was.
ALMATY = timezone(timedelta(hours=5), "Asia/Almaty")
ONE_ZONE_SINCE = date(2024, 3, 1)

# A date line is short; longer lines are paragraphs and are not scanned at all.
MAX_DATE_LINE_CHARS = 120

# Labels before a publication date, and labels of a later revision, whose date is not the
# publication date. Matched without regard to case.
PUBLISHED_LABELS: tuple[str, ...] = (
    "дата публикации",
    "дата",
    "опубликовано",
    "опубликована",
    "опубликован",
    "жарияланды",
    "жарияланған",
    "жарияланған күні",
    "жарияланған уақыты",
    "жарияланым күні",
    "күні",
    "published",
    "date",
    *(e.text.casefold() for e in labels()["published"]),
)
UPDATED_LABELS: tuple[str, ...] = (
    "дата обновления",
    "обновлено",
    "обновлена",
    "изменено",
    "жаңартылды",
    "жаңартылған",
    "жаңартылған уақыты",
    "updated",
    *(e.text.casefold() for e in labels()["updated"]),
)
WEEKDAYS: tuple[str, ...] = (
    "понедельник",
    "вторник",
    "среда",
    "четверг",
    "пятница",
    "суббота",
    "воскресенье",
    "пн",
    "вт",
    "ср",
    "чт",
    "пт",
    "сб",
    "вс",
    "дүйсенбі",
    "сейсенбі",
    "сәрсенбі",
    "бейсенбі",
    "жұма",
    "сенбі",
    "жексенбі",
    "дс",
    "сс",
    "ср",
    "бс",
    "жм",
    "сн",
    "жс",
)


def _one_of(words: tuple[str, ...]) -> str:
    """A regex alternation, longest first so that `дата публикации` wins over `дата`."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_YEAR_WORD = (
    r"(?:\s*(?:г\.|г|года|год|ж\.|ж|жылы|жылғы|жылдың|жыл"
    r"|jylg'y|jylǵy|jylğy|jyly|jyldyn'|jyldyń|jyldyñ|j\.))?"
)
_MONTH_WORD = r"(?P<word>[^\W\d_][\w']{2,16})\.?"  # a month with a suffix: ≤ 16 letters
# The date itself; each form names its parts day, month (a number) or word (a month name), year.
DATE_FORMS: dict[str, str] = {
    "iso": r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",  # 2026-03-05
    "numeric": r"(?P<day>\d{1,2})[./-](?P<month>\d{1,2})[./-](?P<year>\d{4})" + _YEAR_WORD,
    "numeric_short": r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{2})(?!\d)",  # 05.03.24
    "year_first": r"(?P<year>\d{4})[./](?P<month>\d{1,2})[./](?P<day>\d{1,2})",  # 2026.03.05
    "day_month_year": (  # 5 марта 2026 г., 26 Наурыз, 2024, 26-наурыз 2024 ж.
        r"(?P<day>\d{1,2})(?:-|\s+)" + _MONTH_WORD + r",?\s+(?P<year>\d{4})" + _YEAR_WORD
    ),
    "year_day_month": (  # 2024 жылғы 26 наурыз, 2024 ж. 26-наурызда
        r"(?P<year>\d{4})" + _YEAR_WORD + r",?\s+(?P<day>\d{1,2})(?:-|\s+)" + _MONTH_WORD
    ),
    "month_day_year": (  # Наурыз 26, 2024
        _MONTH_WORD + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})" + _YEAR_WORD
    ),
}
_LABEL = rf"(?:(?P<label>{_one_of(PUBLISHED_LABELS + UPDATED_LABELS)})\s*:?\s*(?:[-–—]\s+)?)?"
_WEEKDAY = rf"(?:(?:{_one_of(WEEKDAYS)})\.?,?\s+)?"
# A clock time; `{p}` names its groups apart when it comes before the date.
_CLOCK = r"(?:в\s+|сағ\.?\s*|сағат\s+|at\s+)?(?P<{p}hour>\d{{1,2}}):(?P<{p}minute>\d{{2}})"
_SECONDS = r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?"
_OFFSET = (
    r"(?:(?P<zulu>Z)|\s*\(?\s*(?P<offset>(?:UTC|GMT)\s*[+−-]\s*\d{1,2}(?::?\d{2})?"
    r"|[+−-]\d{2}:?\d{2}|UTC|GMT)\s*\)?)?"
)
_SEPARATOR = r"(?:T|\s*[,|•·/–—-]?\s*)"
_UPDATED_TAIL = (
    rf"(?:,?\s*(?:{_one_of(WEEKDAYS)})\.?)?"  # 2021 жылғы 14 мамыр, жұма
    rf"(?:\s*[(|,;/•·]?\s*(?:{_one_of(UPDATED_LABELS)})\b.*)?"
)
_TIME_BEFORE = _CLOCK.format(p="before_") + r"\s*[,|•·/–—-]?\s*"
_TIME_AFTER = _CLOCK.format(p="") + _SECONDS + _OFFSET

# A date line reads: [label] [weekday] [time] date [time [offset]] [revision remark]. One pattern
# reads what comes before the date; the date's first characters say which forms can follow.
_BEFORE_DATE = re.compile(rf"{_LABEL}{_WEEKDAY}(?:{_TIME_BEFORE})?", re.IGNORECASE)
# The characters `_BEFORE_DATE` can start with (without regard to case, as it matches): a line
# opening with another one (a month name, `Сенат`) has nothing before its date, and the
# alternation of labels is not tried on it.
_OPENING_LETTERS = {w[0] for w in (*PUBLISHED_LABELS, *UPDATED_LABELS, *WEEKDAYS, "в", "с", "at")}
_BEFORE_DATE_OPENS = re.compile(
    r"[\d{}]".format(re.escape("".join(sorted(_OPENING_LETTERS)))), re.IGNORECASE
)
_FORMS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"{form}(?:{_SEPARATOR}{_TIME_AFTER})?\.?{_UPDATED_TAIL}", re.IGNORECASE)
    for name, form in DATE_FORMS.items()
}
_FROM_YEAR = (_FORMS["iso"], _FORMS["year_first"], _FORMS["year_day_month"])
_FROM_DAY = (_FORMS["numeric"], _FORMS["day_month_year"], _FORMS["numeric_short"])
_FROM_MONTH = (_FORMS["month_day_year"],)
_DAY_MONTH = re.compile(r"(\d{1,2})(?:-|\s+)([^\W\d_]+)\.?")
_HAS_DIGIT = re.compile(r"\d")
_UPDATED = frozenset(UPDATED_LABELS)


class FoundDate(NamedTuple):
    """A date read from text, with the time and UTC offset when the text gives them."""

    date: date
    time: time | None = None
    offset: timedelta | None = None
    updated: bool = False  # the line dates a revision (`Обновлено: …`), not the publication


@lru_cache(maxsize=4096)
def month_from_word(word: str) -> int | None:
    """Month number for a Kazakh (any suffix) or Russian (any case, abbreviated) month word.

    Cached: a corpus writes a few hundred month words, and the Kazakh stems are tried in turn."""
    lower = word.lower().rstrip(".")
    number = RUSSIAN_MONTHS.get(lower) or _EXTRA_MONTHS.get(lower)
    if number is not None:
        return number
    for number, stem in enumerate(KAZAKH_MONTHS, start=1):
        if lower.startswith(stem):
            suffix = lower[len(stem) :]
            if len(suffix) <= _MAX_KAZAKH_SUFFIX and _KAZAKH_LETTERS.fullmatch(suffix):
                return number
    if lower.isascii() or _LATIN_SUFFIX.search(lower):
        for stem, number in _LATIN_STEMS:
            if lower.startswith(stem) and len(lower) - len(stem) <= _MAX_KAZAKH_SUFFIX:
                return number
    return None


def make_date(year: int, month: int, day: int) -> date | None:
    """A `date`, or None for impossible ones (2026-13-45, 29 February of a common year)."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def find_date(text: str) -> FoundDate | None:
    """`_find_date`, remembered for short texts: date lines repeat (every article of a day, and
    a date line is read again when its parts are classified)."""
    if len(text) > 2 * MAX_DATE_LINE_CHARS:
        return _find_date(text)
    return _find_date_cached(text)


def _find_date(text: str) -> FoundDate | None:
    """Read `text` as one date line (all of it, not a date inside a sentence); None otherwise.

    `Дата публикации: 05.03.2026, 10:15`, `12 февраля 2026, 16:40`, `2024 жылғы 26 наурыз,
    14:30`, `*5 наурыз 2026*`, `16:40 12.02.2026 (обновлено: 17:02 12.02.2026)`,
    `2026-03-05T10:15:00+05:00`. An impossible date gives None; an impossible time or offset
    is dropped and the date kept.
    """
    text = text.strip()
    if "*" in text or text[:1] == "_" or text[-1:] == "_":  # markdown emphasis
        text = text.replace("*", "").strip("_ ")
    if not text or len(text) > MAX_DATE_LINE_CHARS or _HAS_DIGIT.search(text) is None:
        return None
    # A line that opens with a number has no label or weekday; skip that pattern unless the
    # number is a time (`16:40 12.02.2026`).
    if (text[0].isdigit() and ":" not in text[1:3]) or not _BEFORE_DATE_OPENS.match(text):
        before = None
    else:
        before = _BEFORE_DATE.match(text)
    rest = text[before.end() :] if before is not None else text
    if rest[:4].isdigit():
        forms = _FROM_YEAR
    elif rest[:1].isdigit():
        forms = _FROM_DAY
    else:
        forms = _FROM_MONTH
    for pattern in forms:
        m = pattern.fullmatch(rest)
        if m is not None:
            return _found(before, m)
    return None


_find_date_cached = lru_cache(maxsize=8192)(_find_date)


def _found(before: re.Match[str] | None, m: re.Match[str]) -> FoundDate | None:
    word = m["word"] if "word" in m.re.groupindex else None
    month = month_from_word(word) if word else int(m["month"])
    if month is None:
        return None
    year = int(m["year"])
    found = make_date(year + 2000 if len(m["year"]) == 2 else year, month, int(m["day"]))
    if found is None:
        return None
    clock = None
    offset = None
    if m["hour"] is not None:
        second = int(m["second"]) if m["second"] else 0
        micro = int(m["fraction"].ljust(6, "0")) if m["fraction"] else 0
        clock = _make_time(int(m["hour"]), int(m["minute"]), second, micro)
        offset = timedelta(0) if m["zulu"] else _offset(m["offset"])
    elif before is not None and before["before_hour"] is not None:
        clock = _make_time(int(before["before_hour"]), int(before["before_minute"]))
    label = before["label"] if before is not None else None
    updated = label is not None and " ".join(label.casefold().split()) in _UPDATED
    return FoundDate(found, clock, offset if clock is not None else None, updated)


def _make_time(hour: int, minute: int, second: int = 0, micro: int = 0) -> time | None:
    try:
        return time(hour, minute, second, micro)
    except ValueError:
        return None


def _offset(written: str | None) -> timedelta | None:
    """`+05:00`, `+0500`, `UTC+5`, `GMT+6` or `UTC` -> the offset; None if absent or beyond
    ±14 hours."""
    if written is None:
        return None
    text = written.upper().replace("−", "-").replace(" ", "")
    text = text.removeprefix("UTC").removeprefix("GMT")
    if not text:
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return sign * delta


def published_at(found: FoundDate) -> datetime | None:
    """The moment `found` names, timezone-aware; None without a time.

    An offset in the text wins. Without one, the time is Kazakhstan's (UTC+5) from 1 March 2024,
    when the country moved to one time zone; before that it could be UTC+6 or UTC+5 depending
    on the newsroom, so the moment stays None rather than a guess (the date is kept).
    """
    if found.time is None:
        return None
    if found.offset is not None:
        return datetime.combine(found.date, found.time, timezone(found.offset))
    if found.date >= ONE_ZONE_SINCE:
        return datetime.combine(found.date, found.time, ALMATY)
    return None


def parse_date(text: str) -> date | None:
    """Parse a whole date string: ISO, DD.MM.YYYY, `26 Наурыз, 2024`, `5 марта 2026 г.`,
    `2024 жылғы 26 наурыз`, with or without a time. None for anything else, for impossible
    dates and for a revision date (`Обновлено: …`)."""
    found = find_date(text)
    return found.date if found is not None and not found.updated else None


def parse_day_month(text: str) -> tuple[int, int] | None:
    """`5 марта` / `5 наурыз` -> (5, 3); None when the month is unknown or the day impossible."""
    m = _DAY_MONTH.fullmatch(text.strip())
    if m is None:
        return None
    month = month_from_word(m[2])
    day = int(m[1])
    # 2000 is a leap year, so 29 February passes here and is checked against the real year later.
    if month is None or make_date(2000, month, day) is None:
        return None
    return day, month


def infer_year(day: int, month: int, reference: date | None) -> date | None:
    """The date with this day and month closest to `reference` (the publication date).

    Datelines carry no year: a 31 December dateline on an article published 2 January belongs to
    the previous year, a 2 January dateline on an article dated 31 December to the next one.
    """
    if reference is None:
        return None
    candidates = [
        d
        for year in (reference.year - 1, reference.year, reference.year + 1)
        if (d := make_date(year, month, day)) is not None
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda d: abs((d - reference).days))
