"""The five sample articles, field by field, plus variants of their layouts."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from newsetl.parse.article import parse_article
from newsetl.parse.head import split_photo_credit
from newsetl.parse.records import Article
from tests.conftest import SAMPLE

SAMPLE_DIR = SAMPLE
SAMPLES = {path.name[:3]: path for path in sorted(SAMPLE_DIR.glob("*.txt"))}

GOLDEN: dict[str, dict[str, Any]] = {
    "000": {
        "layout": "header",
        "title_starts": "Алжирдің Коммуникация министрі",
        "published_date": date(2026, 1, 8),
        "date_source": "header",
        "language": "kk",
        "photo_credit": "gov.kz",
        "photo_caption": None,
        "paragraph_count": 8,
        "first_paragraph_starts": "Қазақстанның Алжирдегі Елшісі",
        "section": None,
        "views": None,
        "reading_minutes": None,
        "dateline_place": None,
        "dateline_date": None,
        "agency": None,
        "mixed_script_tokens": [],
    },
    "001": {
        "layout": "title",
        "title_starts": "Доха форумы: Қазақстан",
        "published_date": None,
        "date_source": "none",
        "language": "kk",
        "photo_credit": "gov.kz",
        "photo_caption": None,
        "paragraph_count": 8,
        "first_paragraph_starts": "Қазақстан Республикасы Сыртқы істер",
        "section": None,
        "views": None,
        "reading_minutes": None,
        "dateline_place": None,
        "dateline_date": None,
        "agency": None,
        "mixed_script_tokens": [],
    },
    "002": {
        "layout": "header",
        "title_starts": "Лондонда Орталық Азия елдері",
        "published_date": date(2026, 2, 28),
        "date_source": "header",
        "language": "kk",
        "photo_credit": "gov.kz",
        "photo_caption": None,
        "paragraph_count": 11,
        "first_paragraph_starts": "Қазақстан Республикасының Сыртқы істер",
        "section": None,
        "views": None,
        "reading_minutes": None,
        "dateline_place": None,
        "dateline_date": None,
        "agency": None,
        "mixed_script_tokens": ["CІМ"],
    },
    "003": {
        "layout": "page",
        "title_starts": "Мәулен Әшімбаев АҚШ Конгресі",
        "published_date": date(2024, 3, 26),
        "date_source": "byline",
        "language": "kk",
        "photo_credit": "Сенаттың баспасөз қызметі",
        "photo_caption": None,
        "paragraph_count": 7,
        "first_paragraph_starts": "Сенат Төрағасы Мәулен Әшімбаев",
        "section": "Сенат",
        "views": 45,
        "reading_minutes": 2,
        "dateline_place": None,
        "dateline_date": None,
        "agency": None,
        "mixed_script_tokens": [],
    },
    "004": {
        "layout": "wire",
        "title_starts": "МИД: Встречи с дипломатами",
        "published_date": date(2026, 3, 6),
        "date_source": "header",
        "language": "ru",
        "photo_credit": "МИД РК",
        "photo_caption": "Встреча в МИД с представителями рабочей группы",
        "paragraph_count": 13,
        "first_paragraph_starts": "В Казахстане и за рубежом",
        "section": None,
        "views": None,
        "reading_minutes": None,
        "dateline_place": "Астана",
        "dateline_date": date(2026, 3, 5),
        "agency": "KAZAKHSTAN TODAY",
        "mixed_script_tokens": [],
    },
}

FULL_TITLES = {
    "003": "Мәулен Әшімбаев АҚШ Конгресі сенаторымен кездесті",
    "004": (
        "МИД: Встречи с дипломатами и представителями международных организаций прошли в "
        "Казахстане и за рубежом"
    ),
}


def _parse(prefix: str) -> Article:
    path = SAMPLES[prefix]
    article = parse_article(f"raw/2026/{path.name}", path.read_bytes())
    assert isinstance(article, Article)
    return article


def test_all_five_samples_are_present() -> None:
    assert sorted(SAMPLES) == sorted(GOLDEN)


@pytest.mark.parametrize("prefix", sorted(GOLDEN))
def test_golden_values(prefix: str) -> None:
    expected = GOLDEN[prefix]
    article = _parse(prefix)
    assert article.title is not None
    assert article.title.startswith(expected["title_starts"])
    assert article.published_date == expected["published_date"]
    assert article.date_source == expected["date_source"]
    assert article.language == expected["language"]
    assert article.photo_credit == expected["photo_credit"]
    if expected["photo_caption"] is None:
        assert article.photo_caption is None
    else:
        assert article.photo_caption is not None
        assert article.photo_caption.startswith(expected["photo_caption"])
    assert article.paragraph_count == expected["paragraph_count"]
    assert len(article.paragraphs) == expected["paragraph_count"]
    assert article.paragraphs[0].startswith(expected["first_paragraph_starts"])
    for name in ("section", "views", "reading_minutes", "dateline_place", "dateline_date"):
        assert getattr(article, name) == expected[name], name
    assert article.agency == expected["agency"]
    assert article.mixed_script_tokens == expected["mixed_script_tokens"]
    assert article.layout == expected["layout"]
    # No sample has an author line or a time of publication.
    assert (article.author, article.published_at) == (None, None)


@pytest.mark.parametrize("prefix", sorted(GOLDEN))
def test_identity_counts_and_encoding(prefix: str) -> None:
    path = SAMPLES[prefix]
    article = _parse(prefix)
    assert article.key == f"raw/2026/{path.name}"
    assert article.doc_id == path.stem
    assert article.content_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert article.source_encoding == "utf-8"
    assert article.mojibake_repaired is False
    assert article.body == "\n".join(article.paragraphs)
    assert article.char_count == len(article.body) > 1000
    assert article.word_count == len(article.body.split())
    assert article.language_confidence >= 0.9


@pytest.mark.parametrize("prefix", sorted(GOLDEN))
def test_body_holds_no_head_or_meta_lines(prefix: str) -> None:
    article = _parse(prefix)
    for paragraph in article.paragraphs:
        assert paragraph == paragraph.strip() and paragraph
        assert paragraph != article.title
        assert not paragraph.startswith(("Сурет:", "Фото:", " date", "date "))
    assert "\n\n" not in article.body


def test_003_drops_repeated_title_view_and_reading_lines() -> None:
    article = _parse("003")
    assert article.title == FULL_TITLES["003"]
    assert FULL_TITLES["003"] not in article.paragraphs
    assert not any(p in {"45 рет", "көрсетілді", "2 мин", "оқу үшін"} for p in article.paragraphs)
    assert not article.body.startswith("Сенат •")
    # The NBSP in "хабарлайды\u00a0Egemen.kz" is normalised to a plain space.
    assert "хабарлайды Egemen.kz" in article.paragraphs[0]


def test_004_dateline_prefix_is_removed_from_the_first_paragraph() -> None:
    article = _parse("004")
    assert article.title == FULL_TITLES["004"]
    assert article.paragraphs[0].startswith("В Казахстане и за рубежом состоялся ряд встреч")
    assert "KAZAKHSTAN TODAY" not in article.body
    assert article.photo_caption is not None
    assert article.photo_caption.endswith("ЭСКАТО ООН в Алматы")


def test_002_title_is_whole_header_remainder() -> None:
    article = _parse("002")
    assert article.title == (
        "Лондонда Орталық Азия елдері СІМ басшыларының Ұлыбритания Парламенті депутаттарымен "
        "бірлескен кездесуі өтті"
    )
    # The title's СІМ is all Cyrillic; only the body's Latin-C variant is flagged.
    assert article.mixed_script_tokens == ["CІМ"]
    assert article.mixed_script_tokens[0][0] == "C" and ord(article.mixed_script_tokens[0][0]) < 128


# --- layout variants ------------------------------------------------------------------------------

PARAGRAPHS_RU = [
    "Правительство Казахстана одобрило проект республиканского бюджета на три года.",
    "Министр финансов сообщил, что дефицит бюджета сократится до двух процентов.",
]


def _article(text: str, key: str = "x/variant.txt") -> Article:
    article = parse_article(key, text.encode("utf-8"))
    assert isinstance(article, Article)
    return article


def test_russian_newspaper_page_with_one_line_view_count() -> None:
    text = "\n\n".join(
        [
            "Экономика • 5 марта, 2026",
            "Бюджет утвержден",
            "1 234 просмотров",
            "3 мин\nна чтение",
            *PARAGRAPHS_RU,
        ]
    )
    article = _article(text)
    assert (article.section, article.published_date, article.date_source) == (
        "Экономика",
        date(2026, 3, 5),
        "byline",
    )
    assert (article.title, article.views, article.reading_minutes) == ("Бюджет утвержден", 1234, 3)
    assert article.paragraphs == PARAGRAPHS_RU
    assert article.language == "ru"


def test_russian_newspaper_page_with_two_line_view_count() -> None:
    text = "Политика • 12.01.2026\n\nБюджет утвержден\n\n87\nпросмотров\n4 мин\n\n" + "\n\n".join(
        PARAGRAPHS_RU
    )
    article = _article(text)
    assert (article.views, article.reading_minutes) == (87, 4)
    assert article.published_date == date(2026, 1, 12)
    assert article.paragraphs == PARAGRAPHS_RU


def test_kazinform_dateline_without_date() -> None:
    text = (
        " date 2026-03-12 Астанада жаңа мектеп ашылды\n"
        "Фото: Kazinform\n"
        "АСТАНА. KAZINFORM – Елордада 1200 орындық жаңа мектеп ашылды.\n"
        "Мектеп қыркүйектен бастап оқушыларды қабылдайды."
    )
    article = _article(text)
    assert (article.dateline_place, article.agency, article.dateline_date) == (
        "АСТАНА",
        "KAZINFORM",
        None,
    )
    assert article.paragraphs[0] == "Елордада 1200 орындық жаңа мектеп ашылды."
    assert article.photo_credit == "Kazinform"


def test_dateline_across_new_year_uses_previous_year() -> None:
    text = (
        " date 2026-01-02 Итоги года\n"
        "Алматы, 31 декабря. ИНТЕРФАКС-КАЗАХСТАН — В Алматы подвели итоги года.\n"
        "Второй абзац."
    )
    article = _article(text)
    assert article.dateline_date == date(2025, 12, 31)
    assert article.agency == "ИНТЕРФАКС-КАЗАХСТАН"
    assert article.published_date == date(2026, 1, 2)
    assert article.paragraphs == ["В Алматы подвели итоги года.", "Второй абзац."]


def test_dateline_with_year_dates_an_undated_article() -> None:
    text = "Итоги года\nШымкент. 30 декабря 2025 г. KAZAKHSTAN TODAY - Текст новости.\nЕще абзац."
    article = _article(text)
    assert (article.published_date, article.date_source) == (date(2025, 12, 30), "dateline")
    assert article.dateline_date == date(2025, 12, 30)


def test_dateline_without_year_and_without_other_date_leaves_date_empty() -> None:
    text = "Итоги года\nШымкент. 30 декабря. KAZAKHSTAN TODAY - Текст новости.\nЕще абзац."
    article = _article(text)
    assert (article.published_date, article.date_source) == (None, "none")
    assert article.dateline_place == "Шымкент"
    assert article.dateline_date is None
    assert article.paragraphs[0] == "Текст новости."


def test_ordinary_first_sentence_is_not_a_dateline() -> None:
    text = "Заголовок\nЗ. Буамама аталған сұхбаттың негізгі тұжырымдарын атап өтті - деді ол.\n"
    article = _article(text)
    assert article.dateline_place is None and article.agency is None
    assert article.paragraphs[0].startswith("З. Буамама")


@pytest.mark.parametrize(
    ("rest", "credit", "caption"),
    [
        ("МИД РК. Встреча в МИД", "МИД РК", "Встреча в МИД"),
        ("gov.kz", "gov.kz", None),
        ("Сенаттың баспасөз қызметі", "Сенаттың баспасөз қызметі", None),
        ("А. Иванов. Вид на Астану", "А. Иванов", "Вид на Астану"),
        ("Reuters. «Байтерек» монументі", "Reuters", "«Байтерек» монументі"),
        ("Tengrinews.kz", "Tengrinews.kz", None),
        ("Сенаттың баспасөз қызметі.", "Сенаттың баспасөз қызметі", None),
        ("Иванов А.", "Иванов А.", None),
    ],
)
def test_photo_credit_and_caption(rest: str, credit: str, caption: str | None) -> None:
    assert split_photo_credit(rest) == (credit, caption)


def test_hyphenated_photo_word_is_a_paragraph_not_a_credit() -> None:
    text = (
        "Астанада фотокөрме ашылды\nСурет: Kazinform\n"
        "Фото-көрме «Ұлы дала» деп аталады.\nФото — Kazinform архиві"
    )
    article = _article(text)
    assert article.photo_credit == "Kazinform"
    assert article.paragraphs == ["Фото-көрме «Ұлы дала» деп аталады."]
