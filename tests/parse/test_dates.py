"""Kazakh and Russian month names, date formats, and dateline year inference."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from newsetl.parse.dates import (
    FoundDate,
    find_date,
    infer_year,
    month_from_word,
    parse_date,
    parse_day_month,
    published_at,
)

KAZAKH = [
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
]
RUSSIAN_NOMINATIVE = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]
RUSSIAN_GENITIVE = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


@pytest.mark.parametrize(("number", "name"), list(enumerate(KAZAKH, start=1)))
def test_kazakh_month_in_any_case(number: int, name: str) -> None:
    assert month_from_word(name) == number
    assert month_from_word(name.capitalize()) == number
    assert month_from_word(name.upper()) == number


@pytest.mark.parametrize(
    ("word", "number"),
    [
        ("наурызда", 3),  # locative
        ("наурыздың", 3),  # genitive
        ("Наурызда", 3),
        ("қаңтарда", 1),
        ("ақпанның", 2),
        ("сәуірде", 4),
        ("мамырдағы", 5),
        ("маусымда", 6),
        ("шілдеде", 7),
        ("тамызға", 8),
        ("қыркүйекте", 9),
        ("қазанның", 10),
        ("қарашада", 11),
        ("ЖЕЛТОҚСАНДА", 12),
        ("желтоқсаннан", 12),
    ],
)
def test_kazakh_month_with_suffixes(word: str, number: int) -> None:
    assert month_from_word(word) == number


@pytest.mark.parametrize(("number", "name"), list(enumerate(RUSSIAN_NOMINATIVE, start=1)))
def test_russian_nominative(number: int, name: str) -> None:
    assert month_from_word(name) == number
    assert month_from_word(name.capitalize()) == number


@pytest.mark.parametrize(("number", "name"), list(enumerate(RUSSIAN_GENITIVE, start=1)))
def test_russian_genitive(number: int, name: str) -> None:
    assert month_from_word(name) == number
    assert month_from_word(name.upper()) == number


@pytest.mark.parametrize(
    "word",
    ["Қазақстан", "март2", "мартышка", "наурызбайдың-ұлы", "", "2024", "Mar", "мамырлардағылардан"],
)
def test_words_that_are_not_months(word: str) -> None:
    assert month_from_word(word) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-08", date(2026, 1, 8)),
        ("2026-3-6", date(2026, 3, 6)),
        ("2026-03-06T10:15:00+05:00", date(2026, 3, 6)),
        ("08.01.2026", date(2026, 1, 8)),
        ("8.1.2026", date(2026, 1, 8)),
        ("08/01/2026", date(2026, 1, 8)),
        ("06.03.2026 14:30", date(2026, 3, 6)),
        ("26 Наурыз, 2024", date(2024, 3, 26)),
        ("26 наурыз 2024", date(2024, 3, 26)),
        ("1 ҚАҢТАР, 2025", date(2025, 1, 1)),
        ("31 желтоқсан 2025 ж.", date(2025, 12, 31)),
        ("2024 жылғы 26 наурыз", date(2024, 3, 26)),
        ("2024 жылғы 5 қыркүйекте", date(2024, 9, 5)),
        ("5 марта 2026", date(2026, 3, 5)),
        ("5 марта 2026 г.", date(2026, 3, 5)),
        ("5 марта 2026 года", date(2026, 3, 5)),
        ("1 Май 2025", date(2025, 5, 1)),
        ("12 декабря 2025, 10:45", date(2025, 12, 12)),
        ("29 февраля 2024", date(2024, 2, 29)),
    ],
)
def test_parse_date_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-45",
        "2026-02-30",
        "0000-01-01",
        "45.13.2026",
        "31.04.2026",
        "29 февраля 2025",  # not a leap year
        "32 наурыз 2024",
        "26 Мартобря 2024",
        "5 марта",  # no year: not a full date
        "вчера",
        "",
        "   ",
        "2026-01-08 and some trailing words",
        "9" * 500,
    ],
)
def test_invalid_or_unknown_dates_give_none(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 марта", (5, 3)),
        ("31 декабря", (31, 12)),
        ("29 февраля", (29, 2)),
        ("12 наурыз", (12, 3)),
        ("1 қаңтарда", (1, 1)),
        ("31 июня", None),
        ("5 неделя", None),
    ],
)
def test_parse_day_month(text: str, expected: tuple[int, int] | None) -> None:
    assert parse_day_month(text) == expected


@pytest.mark.parametrize(
    ("day", "month", "published", "expected"),
    [
        (5, 3, date(2026, 3, 6), date(2026, 3, 5)),  # same year
        (31, 12, date(2026, 1, 2), date(2025, 12, 31)),  # across New Year: previous year
        (2, 1, date(2025, 12, 31), date(2026, 1, 2)),  # the reverse: next year
        (1, 1, date(2026, 1, 1), date(2026, 1, 1)),
        (15, 6, date(2026, 1, 2), date(2026, 6, 15)),
        (29, 2, date(2024, 3, 1), date(2024, 2, 29)),
        (29, 2, date(2025, 3, 1), date(2024, 2, 29)),  # closest leap year within one year
    ],
)
def test_dateline_year_inference(day: int, month: int, published: date, expected: date) -> None:
    assert infer_year(day, month, published) == expected


def test_year_inference_without_reference_or_possible_date() -> None:
    assert infer_year(5, 3, None) is None
    assert infer_year(29, 2, date(2022, 7, 1)) is None  # 2021-2023 have no 29 February
    assert infer_year(31, 4, date(2026, 4, 1)) is None


RUSSIAN_OTHER_CASES = [
    ("январю", 1),
    ("январём", 1),
    ("январем", 1),
    ("феврале", 2),
    ("марту", 3),
    ("мартом", 3),
    ("маю", 5),
    ("маем", 5),
    ("июнем", 6),
    ("августу", 8),
    ("сентябре", 9),
    ("октябрём", 10),
    ("ноябрю", 11),
    ("декабре", 12),
]
RUSSIAN_ABBREVIATIONS = [
    ("янв", 1),
    ("фев.", 2),
    ("февр.", 2),
    ("мар", 3),
    ("апр.", 4),
    ("июн", 6),
    ("июл.", 7),
    ("авг", 8),
    ("сент.", 9),
    ("окт", 10),
    ("нояб.", 11),
    ("дек", 12),
]


@pytest.mark.parametrize(("word", "number"), RUSSIAN_OTHER_CASES + RUSSIAN_ABBREVIATIONS)
def test_russian_other_cases_and_abbreviations(word: str, number: int) -> None:
    assert month_from_word(word) == number


@pytest.mark.parametrize(
    ("text", "clock", "offset"),
    [
        ("05.03.2026, 10:15", time(10, 15), None),
        ("05.03.2026 10:15:30", time(10, 15, 30), None),
        ("2026-03-05T10:15:00.250+05:00", time(10, 15, 0, 250000), timedelta(hours=5)),
        ("2026-03-05T10:15:00+0600", time(10, 15), timedelta(hours=6)),
        ("2026-03-05T05:15:00Z", time(5, 15), timedelta(0)),
        ("5 марта 2026, 10:15 (GMT+6)", time(10, 15), timedelta(hours=6)),
        ("5 марта 2026, 10:15 UTC", time(10, 15), timedelta(0)),
        ("5 марта 2026, 10:15 −03:00", time(10, 15), timedelta(hours=-3)),
        ("5 марта 2026, 10:15 UTC+15", time(10, 15), None),  # no such offset
        ("5 марта 2026", None, None),
    ],
)
def test_find_date_time_and_offset(text: str, clock: time | None, offset: timedelta | None) -> None:
    found = find_date(text)
    assert found is not None
    assert (found.date, found.time, found.offset) == (date(2026, 3, 5), clock, offset)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (FoundDate(date(2026, 3, 5)), None),  # no time, no moment
        (FoundDate(date(2026, 3, 5), time(10, 15)), datetime(2026, 3, 5, 5, 15, tzinfo=UTC)),
        (FoundDate(date(2024, 3, 1), time(0, 0)), datetime(2024, 2, 29, 19, 0, tzinfo=UTC)),
        (FoundDate(date(2024, 2, 29), time(23, 0)), None),  # UTC+6 or UTC+5: unknown
        (FoundDate(date(2019, 5, 1), time(12, 0)), None),
        (
            FoundDate(date(2019, 5, 1), time(12, 0), timedelta(hours=6)),
            datetime(2019, 5, 1, 6, 0, tzinfo=UTC),
        ),
    ],
)
def test_published_at(found: FoundDate, expected: datetime | None) -> None:
    moment = published_at(found)
    assert moment == expected
    assert moment is None or moment.utcoffset() is not None


def test_a_revision_date_is_not_a_publication_date() -> None:
    found = find_date("Обновлено: 06.03.2026, 09:00")
    assert found is not None and found.updated
    assert parse_date("Обновлено: 06.03.2026, 09:00") is None
    assert parse_date("Опубликовано: 05.03.2026 | Обновлено: 06.03.2026") == date(2026, 3, 5)


def test_long_lines_are_not_scanned() -> None:
    assert find_date("05.03.2026 " + "x" * 200) is None
    assert find_date("Дата публикации: " + " " * 200 + "05.03.2026") is None
