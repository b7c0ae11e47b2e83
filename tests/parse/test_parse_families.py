"""Head and dateline families from other outlets and older systems, field by field.

Every line here is written the way a Kazakh or Russian portal or agency prints it.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsetl.parse.article import parse_article
from newsetl.parse.dates import find_date, published_at
from newsetl.parse.records import Article

KZ = timezone(timedelta(hours=5))
PARAGRAPHS_RU = [
    "Правительство Казахстана одобрило проект республиканского бюджета на три года.",
    "Министр финансов сообщил, что дефицит бюджета сократится до двух процентов.",
]
PARAGRAPHS_KK = [
    "Үкімет отырысында үш жылға арналған республикалық бюджет жобасы мақұлданды.",
    "Қаржы министрі бюджет тапшылығы екі пайызға дейін қысқаратынын айтты.",
]


def _article(text: str) -> Article:
    article = parse_article("families/article.txt", text.encode("utf-8"))
    assert isinstance(article, Article)
    return article


def _at(y: int, mo: int, d: int, h: int, mi: int, tz: timezone = KZ) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


# --- date lines around the title ---------------------------------------------------------------

# (line, published_date, published_at)
DATE_LINES: list[tuple[str, date, datetime | None]] = [
    # Russian-language portals
    ("Дата публикации: 05.03.2026, 10:15", date(2026, 3, 5), _at(2026, 3, 5, 10, 15)),
    ("Дата публикации: 05.03.2026 10:15", date(2026, 3, 5), _at(2026, 3, 5, 10, 15)),
    ("Опубликовано: 05.03.2026 10:15", date(2026, 3, 5), _at(2026, 3, 5, 10, 15)),
    ("Опубликовано 12 февраля 2026, 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12 февраля 2026, 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12 февраля 2026 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12 февраля 2026 года, 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12 февраля 2026 г., 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12 февраля 2026 г. в 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("16:40, 12 февраля 2026", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    (
        "16:40 12.02.2026 (обновлено: 17:02 12.02.2026)",
        date(2026, 2, 12),
        _at(2026, 2, 12, 16, 40),
    ),
    ("12.02.2026, 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12.02.2026 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12.02.2026 г.", date(2026, 2, 12), None),
    ("12.02.2026", date(2026, 2, 12), None),
    ("12/02/2026", date(2026, 2, 12), None),
    ("2026-02-12", date(2026, 2, 12), None),
    ("2026-02-12 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("2026-02-12T16:40:00+05:00", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("2026-02-12T11:40:00Z", date(2026, 2, 12), _at(2026, 2, 12, 11, 40, UTC)),
    (
        "2026-02-12T16:40:00.000+06:00",
        date(2026, 2, 12),
        _at(2026, 2, 12, 16, 40, timezone(timedelta(hours=6))),
    ),
    ("12 фев 2026, 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("12 фев. 2026", date(2026, 2, 12), None),
    ("3 нояб. 2025, 09:05", date(2025, 11, 3), _at(2025, 11, 3, 9, 5)),
    ("5 сент. 2025", date(2025, 9, 5), None),
    ("1 янв 2026 00:30", date(2026, 1, 1), _at(2026, 1, 1, 0, 30)),
    ("Вторник, 26 марта 2024", date(2024, 3, 26), None),
    ("пт, 6 марта 2026, 10:00", date(2026, 3, 6), _at(2026, 3, 6, 10, 0)),
    ("6 марта 2026, 10:00 (UTC+5)", date(2026, 3, 6), _at(2026, 3, 6, 10, 0)),
    (
        "6 марта 2026 10:00 GMT+6",
        date(2026, 3, 6),
        _at(2026, 3, 6, 10, 0, timezone(timedelta(hours=6))),
    ),
    ("Дата: 6 марта 2026", date(2026, 3, 6), None),
    (
        "Опубликовано: 6 марта 2026, 10:00 | Обновлено: 7 марта 2026, 09:00",
        date(2026, 3, 6),
        _at(2026, 3, 6, 10, 0),
    ),
    ("*6 марта 2026*", date(2026, 3, 6), None),
    ("**Опубликовано:** 6 марта 2026", date(2026, 3, 6), None),
    ("_6 марта 2026_", date(2026, 3, 6), None),
    ("14 мая 2025, 18:20", date(2025, 5, 14), _at(2025, 5, 14, 18, 20)),
    ("31 декабря 2025 г.", date(2025, 12, 31), None),
    # Before 1 March 2024 Kazakhstan had two time zones: a time without an offset is no moment.
    ("1 сентября 2023, 09:00", date(2023, 9, 1), None),
    ("29 февраля 2024, 23:30", date(2024, 2, 29), None),
    ("1 марта 2024, 00:30", date(2024, 3, 1), _at(2024, 3, 1, 0, 30)),
    (
        "1 сентября 2023, 09:00 +06:00",
        date(2023, 9, 1),
        _at(2023, 9, 1, 9, 0, timezone(timedelta(hours=6))),
    ),
    # Kazakh-language portals
    ("2024 жылғы 26 наурыз, 14:30", date(2024, 3, 26), _at(2024, 3, 26, 14, 30)),
    ("2024 жылғы 26 наурыз", date(2024, 3, 26), None),
    ("2024 жылғы 26 наурызда", date(2024, 3, 26), None),
    ("2024 ж. 26 наурыз", date(2024, 3, 26), None),
    ("26.03.2024 ж.", date(2024, 3, 26), None),
    ("26.03.2024 ж., 14:30", date(2024, 3, 26), _at(2024, 3, 26, 14, 30)),
    ("26 наурыз 2024 ж.", date(2024, 3, 26), None),
    ("26 наурыз 2024 жыл, 14:30", date(2024, 3, 26), _at(2024, 3, 26, 14, 30)),
    ("26 Наурыз 2024, 14:30", date(2024, 3, 26), _at(2024, 3, 26, 14, 30)),
    ("14:30, 26 Наурыз 2024", date(2024, 3, 26), _at(2024, 3, 26, 14, 30)),
    ("*5 наурыз 2026*", date(2026, 3, 5), None),
    ("Жарияланды: 5 наурыз 2026, 10:15", date(2026, 3, 5), _at(2026, 3, 5, 10, 15)),
    ("Жарияланған уақыты: 05.03.2026 10:15", date(2026, 3, 5), _at(2026, 3, 5, 10, 15)),
    ("Жарияланды: 26.03.2024 ж.", date(2024, 3, 26), None),
    ("Сейсенбі, 26 наурыз 2024", date(2024, 3, 26), None),
    ("26-наурыз 2024 ж.", date(2024, 3, 26), None),
    ("2026 жылғы 12-ақпан", date(2026, 2, 12), None),
    ("12 ақпан 2026, сағ. 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("5 қыркүйек 2025 14:00", date(2025, 9, 5), _at(2025, 9, 5, 14, 0)),
    ("Наурыз 26, 2024", date(2024, 3, 26), None),
    ("2023 жылғы 1 желтоқсан, 10:00", date(2023, 12, 1), None),
    ("1 қаңтар 2026", date(2026, 1, 1), None),
    ("31 желтоқсан 2025 ж., 23:59", date(2025, 12, 31), _at(2025, 12, 31, 23, 59)),
    (
        "Жарияланды: 5 наурыз 2026 | Жаңартылды: 6 наурыз 2026",
        date(2026, 3, 5),
        None,
    ),
    ("2026 жылдың 5 наурызы", date(2026, 3, 5), None),
    ("5 мамыр 2025 жыл", date(2025, 5, 5), None),
    ("КҮНІ: 05.03.2026", date(2026, 3, 5), None),
    ("Жарияланды 12.02.2026 16:40", date(2026, 2, 12), _at(2026, 2, 12, 16, 40)),
    ("Бейсенбі, 5 наурыз 2026, 09:30", date(2026, 3, 5), _at(2026, 3, 5, 9, 30)),
]


def test_the_date_table_is_large_enough() -> None:
    assert len(DATE_LINES) >= 60
    assert len({line for line, _, _ in DATE_LINES}) == len(DATE_LINES)


@pytest.mark.parametrize(("line", "published", "moment"), DATE_LINES)
def test_date_line_alone(line: str, published: date, moment: datetime | None) -> None:
    found = find_date(line)
    assert found is not None and not found.updated
    assert found.date == published
    found_moment = published_at(found)
    assert found_moment == moment
    assert found_moment is None or found_moment.tzinfo is not None


@pytest.mark.parametrize(("line", "published", "moment"), DATE_LINES)
def test_date_line_under_the_title(line: str, published: date, moment: datetime | None) -> None:
    article = _article("\n".join(["Бюджет утвержден", line, *PARAGRAPHS_RU]))
    assert (article.published_date, article.published_at) == (published, moment)
    assert (article.date_source, article.layout) == ("below_title", "title_date")
    assert article.title == "Бюджет утвержден"
    assert article.paragraphs == PARAGRAPHS_RU


@pytest.mark.parametrize(("line", "published", "moment"), DATE_LINES)
def test_date_line_above_the_title(line: str, published: date, moment: datetime | None) -> None:
    article = _article("\n\n\n".join([line, "Бюджет мақұлданды", *PARAGRAPHS_KK]))
    assert (article.published_date, article.published_at) == (published, moment)
    assert (article.date_source, article.layout) == ("above_title", "date_title")
    assert article.title == "Бюджет мақұлданды"
    assert article.paragraphs == PARAGRAPHS_KK


def test_date_line_after_leading_blank_lines_and_photo_line() -> None:
    text = "\n\n  \nБюджет утвержден\nФото: Акорда\n\n12 февраля 2026, 16:40\n\n" + "\n".join(
        PARAGRAPHS_RU
    )
    article = _article(text)
    assert (article.published_date, article.date_source) == (date(2026, 2, 12), "below_title")
    assert article.photo_credit == "Акорда"
    assert article.paragraphs == PARAGRAPHS_RU


@pytest.mark.parametrize(
    "line",
    [
        "Сегодня, 14:30",
        "Вчера",
        "5 марта",
        "5 марта, 14:30",
        "Март 2026",
        "2026",
        "14:30",
        "32 марта 2026",
        "29 февраля 2025",
        "2026-02-30",
        "12 февраля 2026 года Президент подписал указ о бюджете",
        "5 вещей 2026",
        "Обновлено: 06.03.2026",  # a revision, not the publication
        "Жаңартылды: 06.03.2026 11:00",
    ],
)
def test_lines_that_give_no_publication_date(line: str) -> None:
    found = find_date(line)
    assert found is None or found.updated
    article = _article("\n".join(["Бюджет утвержден", line, *PARAGRAPHS_RU]))
    assert (article.published_date, article.published_at, article.date_source) == (
        None,
        None,
        "none",
    )


def test_revision_line_is_meta_not_a_paragraph() -> None:
    text = "\n".join(["Бюджет утвержден", "05.03.2026", "Обновлено: 06.03.2026", *PARAGRAPHS_RU])
    article = _article(text)
    assert article.published_date == date(2026, 3, 5)
    assert article.paragraphs == PARAGRAPHS_RU


def test_impossible_time_keeps_the_date_and_gives_no_moment() -> None:
    found = find_date("05.03.2026, 25:99")
    assert found is not None and found.date == date(2026, 3, 5) and found.time is None
    assert published_at(found) is None


def test_header_date_with_a_second_date_line_keeps_the_header_and_takes_its_time() -> None:
    text = " date 2026-03-05 Бюджет утвержден\nДата публикации: 05.03.2026, 10:15\n" + "\n".join(
        PARAGRAPHS_RU
    )
    article = _article(text)
    assert (article.published_date, article.date_source, article.layout) == (
        date(2026, 3, 5),
        "header",
        "header",
    )
    assert article.published_at == _at(2026, 3, 5, 10, 15)
    assert article.paragraphs == PARAGRAPHS_RU


def test_conflicting_date_line_does_not_override_the_header() -> None:
    text = " date 2026-03-06 Бюджет утвержден\n05.03.2026, 10:15\n" + "\n".join(PARAGRAPHS_RU)
    article = _article(text)
    assert (article.published_date, article.published_at) == (date(2026, 3, 6), None)
    assert article.paragraphs == PARAGRAPHS_RU


def test_header_with_iso_timestamp_and_offset_gives_the_moment() -> None:
    article = _article(" date 2026-01-08T09:30:00+05:00 Тақырып\nАбзац мәтіні.")
    assert article.published_date == date(2026, 1, 8)
    assert article.published_at == _at(2026, 1, 8, 9, 30)


# --- bylines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "section", "published", "moment"),
    [
        ("Сенат • 26 Наурыз, 2024 | 14:30", "Сенат", date(2024, 3, 26), _at(2024, 3, 26, 14, 30)),
        ("Сенат • 26 Наурыз, 2024", "Сенат", date(2024, 3, 26), None),
        ("Саясат · 14:30, 5 наурыз 2026", "Саясат", date(2026, 3, 5), _at(2026, 3, 5, 14, 30)),
        ("Экономика • 5 мар. 2026", "Экономика", date(2026, 3, 5), None),
        ("Экономика | 5 марта 2026, 10:00", "Экономика", date(2026, 3, 5), _at(2026, 3, 5, 10, 0)),
        ("Экономика • 5 марта 2026 • 10:00", "Экономика", date(2026, 3, 5), _at(2026, 3, 5, 10, 0)),
        ("Қоғам • 2024 жылғы 26 наурыз", "Қоғам", date(2024, 3, 26), None),
    ],
)
def test_byline_with_optional_time(
    byline: str, section: str, published: date, moment: datetime | None
) -> None:
    text = "\n\n".join([byline, "Бюджет утвержден", "1 234 просмотров", "3 мин чтения"])
    article = _article(text + "\n\n" + "\n\n".join(PARAGRAPHS_RU))
    assert (article.section, article.published_date, article.published_at) == (
        section,
        published,
        moment,
    )
    assert (article.date_source, article.layout) == ("byline", "page")
    assert (article.title, article.views, article.reading_minutes) == ("Бюджет утвержден", 1234, 3)
    assert article.paragraphs == PARAGRAPHS_RU


def test_pipe_in_a_title_is_not_a_byline() -> None:
    article = _article("Итоги года | 2025\n" + "\n".join(PARAGRAPHS_RU))
    assert article.title == "Итоги года | 2025"
    assert (article.section, article.layout, article.date_source) == (None, "title", "none")


# --- datelines -------------------------------------------------------------------------------

# (first paragraph, header date or None, place, dateline date, agency, rest of the paragraph)
DATELINES: list[tuple[str, date | None, str, date | None, str | None, str]] = [
    (
        "Астана. 5 марта. KAZAKHSTAN TODAY - В Казахстане состоялся ряд встреч.",
        date(2026, 3, 6),
        "Астана",
        date(2026, 3, 5),
        "KAZAKHSTAN TODAY",
        "В Казахстане состоялся ряд встреч.",
    ),
    (
        "АСТАНА. KAZINFORM – Елордада 1200 орындық жаңа мектеп ашылды.",
        date(2026, 3, 12),
        "АСТАНА",
        None,
        "KAZINFORM",
        "Елордада 1200 орындық жаңа мектеп ашылды.",
    ),
    (
        "Астана. ҚазАқпарат - Елордада жаңа мектеп ашылды.",
        date(2024, 3, 26),
        "Астана",
        None,
        "ҚазАқпарат",
        "Елордада жаңа мектеп ашылды.",
    ),
    (
        "АСТАНА. ҚазАқпарат – Мемлекет басшысы Үкімет отырысын өткізді.",
        None,
        "АСТАНА",
        None,
        "ҚазАқпарат",
        "Мемлекет басшысы Үкімет отырысын өткізді.",
    ),
    (
        "Алматы. 26 наурыз. ҚазАқпарат /Айгүл Сейітова/ - Алматыда көктемгі егіс басталды.",
        date(2024, 3, 27),
        "Алматы",
        date(2024, 3, 26),
        "ҚазАқпарат",
        "Алматыда көктемгі егіс басталды.",
    ),
    (
        "АСТАНА, 5 мар — Sputnik. Президент Казахстана подписал указ о бюджете.",
        date(2026, 3, 6),
        "АСТАНА",
        date(2026, 3, 5),
        "Sputnik",
        "Президент Казахстана подписал указ о бюджете.",
    ),
    (
        "АЛМАТЫ, 12 фев — Sputnik, Айгуль Сейтова. Жители Алматы жалуются на смог.",
        date(2026, 2, 12),
        "АЛМАТЫ",
        date(2026, 2, 12),
        "Sputnik",
        "Жители Алматы жалуются на смог.",
    ),
    (
        "НҰР-СҰЛТАН, 5 наурыз – Sputnik. Елордада жаңа саябақ ашылды.",
        date(2021, 3, 5),
        "НҰР-СҰЛТАН",
        date(2021, 3, 5),
        "Sputnik",
        "Елордада жаңа саябақ ашылды.",
    ),
    (
        "АСТАНА, 26 наурыз — Sputnik Қазақстан. Мәжіліс заң жобасын мақұлдады.",
        date(2024, 3, 26),
        "АСТАНА",
        date(2024, 3, 26),
        "Sputnik Қазақстан",
        "Мәжіліс заң жобасын мақұлдады.",
    ),
    (
        "Алматы. 12 февраля 2026. Интерфакс-Казахстан - Нацбанк сохранил базовую ставку.",
        date(2026, 2, 12),
        "Алматы",
        date(2026, 2, 12),
        "Интерфакс-Казахстан",
        "Нацбанк сохранил базовую ставку.",
    ),
    (
        "Москва. 5 марта. INTERFAX.RU - Правительство России утвердило план.",
        date(2026, 3, 5),
        "Москва",
        date(2026, 3, 5),
        "INTERFAX.RU",
        "Правительство России утвердило план.",
    ),
    (
        "Алматы, 31 декабря. ИНТЕРФАКС-КАЗАХСТАН — В Алматы подвели итоги года.",
        date(2026, 1, 2),
        "Алматы",
        date(2025, 12, 31),
        "ИНТЕРФАКС-КАЗАХСТАН",
        "В Алматы подвели итоги года.",
    ),
    (
        "Шымкент. 30 декабря 2025 г. KAZAKHSTAN TODAY - В Шымкенте открыли мост.",
        date(2025, 12, 30),
        "Шымкент",
        date(2025, 12, 30),
        "KAZAKHSTAN TODAY",
        "В Шымкенте открыли мост.",
    ),
    (
        "Усть-Каменогорск. 3 ноября. КазТАГ – В городе открыли новую школу.",
        date(2025, 11, 3),
        "Усть-Каменогорск",
        date(2025, 11, 3),
        "КазТАГ",
        "В городе открыли новую школу.",
    ),
    (
        "Қарағанды. 15 қазан. ҚазАқпарат - Қарағандыда жылу маусымы басталды.",
        date(2025, 10, 15),
        "Қарағанды",
        date(2025, 10, 15),
        "ҚазАқпарат",
        "Қарағандыда жылу маусымы басталды.",
    ),
    (
        "Актобе, 5 марта — В Актобе прошел форум предпринимателей.",
        date(2026, 3, 5),
        "Актобе",
        date(2026, 3, 5),
        None,
        "В Актобе прошел форум предпринимателей.",
    ),
    (
        "Атырау. 2024 жылғы 26 наурыз. ҚазАқпарат - Атырауда су тасқыны басталды.",
        date(2024, 3, 26),
        "Атырау",
        date(2024, 3, 26),
        "ҚазАқпарат",
        "Атырауда су тасқыны басталды.",
    ),
    (
        "ТҮРКІСТАН. KAZINFORM — Түркістанда халықаралық форум өтті.",
        date(2026, 3, 5),
        "ТҮРКІСТАН",
        None,
        "KAZINFORM",
        "Түркістанда халықаралық форум өтті.",
    ),
    (
        "Павлодар. Kazinform - Павлодарда жаңа зауыт іске қосылды.",
        date(2026, 3, 5),
        "Павлодар",
        None,
        "Kazinform",
        "Павлодарда жаңа зауыт іске қосылды.",
    ),
    (
        "Нью-Йорк, 5 марта — РИА Новости. Генассамблея ООН приняла резолюцию.",
        date(2026, 3, 5),
        "Нью-Йорк",
        date(2026, 3, 5),
        "РИА Новости",
        "Генассамблея ООН приняла резолюцию.",
    ),
    (
        "Астана. 5 марта 2026 г. Zakon.kz - Мажилис одобрил поправки в Налоговый кодекс.",
        date(2026, 3, 5),
        "Астана",
        date(2026, 3, 5),
        "Zakon.kz",
        "Мажилис одобрил поправки в Налоговый кодекс.",
    ),
    (
        "Тараз, 12 ақпан – Sputnik. Таразда жаңа аурухана салынады.",
        date(2026, 2, 13),
        "Тараз",
        date(2026, 2, 12),
        "Sputnik",
        "Таразда жаңа аурухана салынады.",
    ),
    (
        "Семей. 7 сәуір. Интерфакс-Казахстан – В Семее завершили ремонт моста.",
        date(2025, 4, 7),
        "Семей",
        date(2025, 4, 7),
        "Интерфакс-Казахстан",
        "В Семее завершили ремонт моста.",
    ),
    (
        "Ақтау. 1 маусым. ҚАЗАҚПАРАТ -- Ақтауда балалар күні тойланды.",
        date(2025, 6, 1),
        "Ақтау",
        date(2025, 6, 1),
        "ҚАЗАҚПАРАТ",
        "Ақтауда балалар күні тойланды.",
    ),
    (  # Sputnik's shape without an agency: the words after the dash stay in the text
        "Москва, 5 марта — Президент России заявил о новых мерах.",
        date(2026, 3, 5),
        "Москва",
        date(2026, 3, 5),
        None,
        "Президент России заявил о новых мерах.",
    ),
    (
        "Костанай. 26.03.2024. КазТАГ - В Костанае начался паводок.",
        None,
        "Костанай",
        date(2024, 3, 26),
        "КазТАГ",
        "В Костанае начался паводок.",
    ),
]


def test_the_dateline_table_is_large_enough() -> None:
    assert len(DATELINES) >= 20


@pytest.mark.parametrize(
    ("paragraph", "header", "place", "dateline_date", "agency", "rest"), DATELINES
)
def test_dateline(
    paragraph: str,
    header: date | None,
    place: str,
    dateline_date: date | None,
    agency: str | None,
    rest: str,
) -> None:
    head = f" date {header.isoformat()} Жаңалық" if header else "Жаңалық"
    article = _article(f"{head}\n{paragraph}\nЕкінші абзац.")
    assert (article.dateline_place, article.dateline_date, article.agency) == (
        place,
        dateline_date,
        agency,
    )
    assert article.paragraphs == [rest, "Екінші абзац."]
    assert article.layout == "wire"
    if header is not None:
        assert (article.published_date, article.date_source) == (header, "header")
    elif dateline_date is not None:
        assert (article.published_date, article.date_source) == (dateline_date, "dateline")


@pytest.mark.parametrize(
    "paragraph",
    [
        "З. Буамама аталған сұхбаттың негізгі тұжырымдарын атап өтті - деді ол.",
        "Астана. Президент – елдің басты саяси тұлғасы, деді спикер.",
        "Алматы, 5 вещей – о которых стоит знать каждому жителю города.",
        "Ақорда. Мемлекет басшысы Қасым-Жомарт Тоқаев – бүгін кездесу өткізді.",
        "Президент Тоқаев - бүгін Үкімет отырысын өткізді.",
        "В Казахстане и за рубежом состоялся ряд встреч - сообщает МИД.",
    ],
)
def test_ordinary_first_paragraph_is_not_a_dateline(paragraph: str) -> None:
    article = _article(f" date 2026-03-06 Жаңалық\n{paragraph}\nЕкінші абзац.")
    assert (article.dateline_place, article.dateline_date, article.agency) == (None, None, None)
    assert article.paragraphs[0] == paragraph
    assert article.layout == "header"


# --- authors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "author"),
    [
        (["Бюджет утвержден", "Автор: Иван Петров", *PARAGRAPHS_RU], "Иван Петров"),
        (
            ["Бюджет утвержден", "Авторы: Иван Петров, Анна Сидорова", *PARAGRAPHS_RU],
            "Иван Петров, Анна Сидорова",
        ),
        (["Бюджет утвержден", "**Автор:** Иван Петров", *PARAGRAPHS_RU], "Иван Петров"),
        (["Бюджет утвержден", *PARAGRAPHS_RU, "Подготовила – Анна Сидорова"], "Анна Сидорова"),
        (["Бюджет мақұлданды", *PARAGRAPHS_KK, "Дайындаған: Айгүл Сейітова"], "Айгүл Сейітова"),
        (["Бюджет мақұлданды", "Авторы: Айгүл Сейітова", *PARAGRAPHS_KK], "Айгүл Сейітова"),
        (["Бюджет мақұлданды", "Автор: Ерлан Қасымов.", *PARAGRAPHS_KK], "Ерлан Қасымов"),
        (
            ["Бюджет мақұлданды", "05.03.2026", "Дайындаған — Ерлан Қасымов", *PARAGRAPHS_KK],
            "Ерлан Қасымов",
        ),
    ],
)
def test_author_line_fills_author_and_leaves_the_body(lines: list[str], author: str) -> None:
    article = _article("\n".join(lines))
    assert article.author == author
    assert article.paragraphs in (PARAGRAPHS_RU, PARAGRAPHS_KK)


def test_no_author_line_leaves_author_empty() -> None:
    article = _article("\n".join(["Бюджет утвержден", *PARAGRAPHS_RU]))
    assert article.author is None


@pytest.mark.parametrize(
    "paragraph",
    [
        "Автор книги рассказал о своем детстве в Семее и о первых публикациях.",
        "Авторы: " + " ".join(["участники"] * 20),
    ],
)
def test_sentences_starting_with_the_word_are_not_author_lines(paragraph: str) -> None:
    article = _article("\n".join(["Бюджет утвержден", paragraph, *PARAGRAPHS_RU]))
    assert article.author is None
    assert article.paragraphs[0] == paragraph


def test_photo_author_label_is_a_photo_credit_not_an_author() -> None:
    # Issue 20 (outlet zoo, negatives.json): `Автор фото:` credits a photo; it used to stay a
    # paragraph, it is now the photo credit and leaves the body.
    article = _article("\n".join(["Бюджет утвержден", "Автор фото: Иван Петров", *PARAGRAPHS_RU]))
    assert (article.author, article.photo_credit) == (None, "Иван Петров")
    assert article.paragraphs == PARAGRAPHS_RU


def test_author_line_in_the_middle_of_the_body_stays_a_paragraph() -> None:
    lines = [PARAGRAPHS_RU[0], "Автор: Иван Петров", PARAGRAPHS_RU[1]]
    article = _article("\n".join(["Бюджет утвержден", *lines]))
    assert article.author is None
    assert article.paragraphs == lines


# --- markdown exports ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title_line", "title"),
    [
        ("# Бюджет утвержден", "Бюджет утвержден"),
        ("## Бюджет утвержден ##", "Бюджет утвержден"),
        ("**Бюджет утвержден**", "Бюджет утвержден"),
        ("#Бюджет2026 талқыланды", "#Бюджет2026 талқыланды"),  # a hashtag, not a heading
    ],
)
def test_markdown_title(title_line: str, title: str) -> None:
    article = _article("\n".join([title_line, *PARAGRAPHS_RU]))
    assert article.title == title
    assert article.paragraphs == PARAGRAPHS_RU


def test_markdown_export_with_emphasised_date_and_underlined_title() -> None:
    text = "Бюджет мақұлданды\n=================\n\n*5 наурыз 2026*\n\n" + "\n\n".join(
        PARAGRAPHS_KK
    )
    article = _article(text)
    assert article.title == "Бюджет мақұлданды"
    assert (article.published_date, article.date_source, article.layout) == (
        date(2026, 3, 5),
        "below_title",
        "title_date",
    )
    assert article.paragraphs == PARAGRAPHS_KK


def test_markdown_title_repeated_in_the_body_is_dropped() -> None:
    article = _article("\n".join(["# Бюджет утвержден", *PARAGRAPHS_RU, "Бюджет утвержден"]))
    assert article.paragraphs == PARAGRAPHS_RU


# --- layouts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        (" date 2026-03-05 Бюджет утвержден\n" + PARAGRAPHS_RU[0], "header"),
        ("Бюджет утвержден\n" + PARAGRAPHS_RU[0], "title"),
        ("Бюджет утвержден\n05.03.2026\n" + PARAGRAPHS_RU[0], "title_date"),
        ("05.03.2026\nБюджет утвержден\n" + PARAGRAPHS_RU[0], "date_title"),
        ("Экономика • 5 марта 2026\n\nБюджет утвержден\n\n" + PARAGRAPHS_RU[0], "page"),
        ("Бюджет утвержден\nАстана. 5 марта. KAZAKHSTAN TODAY - Текст.", "wire"),
        (" date 2026-03-06 Бюджет\nАСТАНА, 5 мар — Sputnik. Текст.", "wire"),
        ("Фото: Акорда", "none"),
        ("Қ" * 401, "none"),
    ],
)
def test_layout_codes(text: str, layout: str) -> None:
    assert _article(text).layout == layout


def test_date_line_after_a_photo_line_above_the_title() -> None:
    article = _article("Фото: Акорда\n05.03.2026\nБюджет утвержден\n" + "\n".join(PARAGRAPHS_RU))
    assert (article.title, article.photo_credit) == ("Бюджет утвержден", "Акорда")
    assert (article.published_date, article.date_source, article.layout) == (
        date(2026, 3, 5),
        "above_title",
        "date_title",
    )
    assert article.paragraphs == PARAGRAPHS_RU


# --- what already generalised stays --------------------------------------------------------------


def test_russian_page_with_abbreviated_month_time_and_no_break_space_thousands() -> None:
    text = "\n".join(
        [
            "Экономика • 5 мар. 2026 | 10:00",
            "Бюджет утвержден",
            "12\u00a0345 просмотров",
            "4 мин чтения",
            "Автор: Иван Петров",
            *PARAGRAPHS_RU,
        ]
    )
    article = _article(text)
    assert (article.section, article.views, article.reading_minutes) == ("Экономика", 12345, 4)
    assert (article.published_date, article.published_at) == (
        date(2026, 3, 5),
        _at(2026, 3, 5, 10, 0),
    )
    assert (article.author, article.layout) == ("Иван Петров", "page")
    assert article.paragraphs == PARAGRAPHS_RU


def test_kazakh_code_page_article_with_a_date_line_and_a_dateline() -> None:
    text = "\n".join(
        [
            "Бюджет мақұлданды",
            "Жарияланды: 5 наурыз 2026, 10:15",
            "Астана. ҚазАқпарат - " + PARAGRAPHS_KK[0],
            PARAGRAPHS_KK[1],
            "Дайындаған: Айгүл Сейітова",
        ]
    )
    article = parse_article("families/kz1048.txt", text.encode("kz1048"))
    assert isinstance(article, Article)
    assert article.source_encoding in {"kz1048", "ptcp154"}
    assert (article.published_date, article.published_at, article.date_source) == (
        date(2026, 3, 5),
        _at(2026, 3, 5, 10, 15),
        "below_title",
    )
    assert (article.dateline_place, article.agency, article.layout) == (
        "Астана",
        "ҚазАқпарат",
        "wire",
    )
    assert (article.author, article.language) == ("Айгүл Сейітова", "kk")
    assert article.paragraphs == PARAGRAPHS_KK


@pytest.mark.parametrize(
    "start", ["Астана. 5 ", "Астана, 5 ", "Астана. 5 марта. ", "Астана. ", "Экономика • 5 "]
)
def test_a_long_line_that_opens_like_a_dateline_or_byline_is_read_in_linear_time(
    start: str,
) -> None:
    line = start + "Ә" * 200_000
    started = time.perf_counter()
    article = _article(f"Тақырып\n{line}")
    assert time.perf_counter() - started < 2.0
    assert article.paragraphs == [line]
    assert (article.dateline_place, article.agency, article.author) == (None, None, None)
