"""Agency datelines that open a wire's first paragraph: place, date and agency taken out of it."""

from __future__ import annotations

import re
from datetime import date
from itertools import pairwise

from newsetl.parse.dates import (
    find_date,
    infer_year,
    month_from_word,
    parse_day_month,
)
from newsetl.parse.layout import _HAS_CYRILLIC, _UPPER, _Layout

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
    "sputnik": re.compile(
        rf"{_PLACE}, *{_DATELINE_DATE}{_DASH}{_AGENCY}(?:, *(?P<corr>[^.,]{{1,60}}))?\. +"
    ),
    "wire": re.compile(
        rf"{_PLACE}[.,] *(?:{_DATELINE_DATE} *[.,]? *)?{_AGENCY}"
        rf"(?: */(?P<corr>[^/]{{1,60}})/)?{_DASH}"
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
        out.correspondent = (groups.get("corr") or "").strip() or None
        out.agency = agency
        out.dateline_date = dateline_date
        if has_year and dateline_date is not None and out.published_date is None:
            out.published_date = dateline_date
            out.date_source = "dateline"
            out.why["published_date"] = (None, "year written in the agency dateline")
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
