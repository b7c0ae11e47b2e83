"""Dates as Kazakh and Russian newsrooms write them, parsed without ever raising.

Kazakh month names take case and possessive suffixes (наурызда, наурыздың, қаңтардағы), so they
are matched by stem plus a short letter-only suffix; Russian month names come as a closed set of
nominative, genitive and prepositional forms. Python's `strptime` cannot do either (it only knows
the C/English locale names), hence the small hand-written tables.
"""

from __future__ import annotations

import re
from datetime import date

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

_RUSSIAN_STEMS: tuple[tuple[str, ...], ...] = (
    ("январь", "января", "январе", "янв"),
    ("февраль", "февраля", "феврале", "фев", "февр"),
    ("март", "марта", "марте", "мар"),
    ("апрель", "апреля", "апреле", "апр"),
    ("май", "мая", "мае"),
    ("июнь", "июня", "июне", "июн"),
    ("июль", "июля", "июле", "июл"),
    ("август", "августа", "августе", "авг"),
    ("сентябрь", "сентября", "сентябре", "сен", "сент"),
    ("октябрь", "октября", "октябре", "окт"),
    ("ноябрь", "ноября", "ноябре", "ноя", "нояб"),
    ("декабрь", "декабря", "декабре", "дек"),
)

RUSSIAN_MONTHS: dict[str, int] = {
    form: number for number, forms in enumerate(_RUSSIAN_STEMS, start=1) for form in forms
}

# Kazakh suffixes are at most a few letters (-да, -дың, -дағы, -ында, -ының).
_MAX_KAZAKH_SUFFIX = 6
_KAZAKH_LETTERS = re.compile("[а-яёәғқңөұүһі]*")

_TIME = r"(?:[,\s]+(?:в\s+|сағ\.?\s*)?\d{1,2}:\d{2}(?::\d{2})?)?"
_YEAR_WORD = r"(?:\s*(?:г\.|г|года|год|ж\.|ж|жылы|жылғы))?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?\S*)?")
_NUMERIC = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})" + _YEAR_WORD + _TIME)
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})" + _YEAR_WORD + r"\.?" + _TIME
)
_YEAR_DAY_MONTH = re.compile(r"(\d{4})" + _YEAR_WORD + r"\s+(\d{1,2})\s+([^\W\d_]+)" + _TIME)
_DAY_MONTH = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?")


def month_from_word(word: str) -> int | None:
    """Month number for a Kazakh (any suffix) or Russian (nominative/genitive) month word."""
    lower = word.lower().rstrip(".")
    number = RUSSIAN_MONTHS.get(lower)
    if number is not None:
        return number
    for number, stem in enumerate(KAZAKH_MONTHS, start=1):
        if lower.startswith(stem):
            suffix = lower[len(stem) :]
            if len(suffix) <= _MAX_KAZAKH_SUFFIX and _KAZAKH_LETTERS.fullmatch(suffix):
                return number
    return None


def make_date(year: int, month: int, day: int) -> date | None:
    """A `date`, or None for impossible ones (2026-13-45, 29 February of a common year)."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def parse_date(text: str) -> date | None:
    """Parse a whole date string: ISO, DD.MM.YYYY, `26 Наурыз, 2024`, `5 марта 2026 г.`,
    `2024 жылғы 26 наурыз`. Returns None for anything else or for impossible dates."""
    text = text.strip()
    if not text or len(text) > 64:
        return None
    if m := _ISO.fullmatch(text):
        return make_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _NUMERIC.fullmatch(text):
        return make_date(int(m[3]), int(m[2]), int(m[1]))
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        month = month_from_word(m[2])
        return make_date(int(m[3]), month, int(m[1])) if month else None
    if m := _YEAR_DAY_MONTH.fullmatch(text):
        month = month_from_word(m[3])
        return make_date(int(m[1]), month, int(m[2])) if month else None
    return None


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
