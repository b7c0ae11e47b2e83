"""The outlet zoo (tests/data/outlets/): every field of every sidecar, compared as its README
says; the negative tables; and two properties over head and tail lines."""

from __future__ import annotations

import html
import json
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsetl.parse.article import parse_article
from newsetl.parse.records import Article

ZOO = Path(__file__).resolve().parents[1] / "data" / "outlets"
SIDECARS = sorted(ZOO.glob("*.expected.json"))
NEGATIVES = json.loads((ZOO / "negatives.json").read_text(encoding="utf-8"))
_CACHE: dict[str, Article] = {}


def norm(value: object) -> str:
    """NFC, entities decoded, whitespace runs (NBSP, thin space, newlines) to one space."""
    text = unicodedata.normalize("NFC", html.unescape(str(value)))
    return " ".join(text.split())


def _empty(value: object) -> bool:
    return value is None or value == "" or value == []


def _parsed(name: str) -> Article:
    if name not in _CACHE:
        raw = (ZOO / f"{name}.txt").read_bytes()
        result = parse_article(f"outlets/{name}.txt", raw)
        assert isinstance(result, Article), result
        _CACHE[name] = result
    return _CACHE[name]


def _cases() -> list[tuple[str, str, object]]:
    cases = []
    for path in SIDECARS:
        name = path.name.removesuffix(".expected.json")
        fields = json.loads(path.read_text(encoding="utf-8"))["fields"]
        cases.extend((name, field, expected) for field, expected in fields.items())
    return cases


CASES = _cases()


def check_field(article: Article, field: str, expected: object) -> None:
    """One sidecar field against the parsed article; raises AssertionError on a mismatch."""
    paragraphs = [norm(p) for p in article.paragraphs]
    if field in ("title", "section", "photo_credit"):
        got = getattr(article, field)
        assert (None if _empty(got) else norm(got)) == (
            None if _empty(expected) else norm(expected)
        )
    elif field == "author":
        got = [] if _empty(article.author) else [norm(a) for a in article.author.split(",")]
        want = [] if _empty(expected) else [norm(a) for a in str(expected).split(",")]
        assert got == want
    elif field in ("dateline_place", "agency"):
        got = getattr(article, field)
        assert (None if _empty(got) else norm(got).casefold()) == (
            None if _empty(expected) else norm(expected).casefold()
        )
    elif field == "published_date":
        got = article.published_date
        assert (got.isoformat() if isinstance(got, date) else None) == expected
    elif field in ("date_source", "language", "views", "reading_minutes", "paragraph_count"):
        got = getattr(article, field)
        assert (None if _empty(got) else got) == expected
    elif field == "published_at":
        got = article.published_at
        want = datetime.fromisoformat(expected) if expected else None
        assert got == want, f"{got} != {want}"
    elif field == "body_starts":
        assert paragraphs, "no body"
        assert paragraphs[0].startswith(norm(expected)), paragraphs[0][:120]
    elif field == "body_ends":
        assert paragraphs, "no body"
        assert paragraphs[-1].endswith(norm(expected)), paragraphs[-1][-120:]
    elif field == "body_excludes":
        body = " ".join(paragraphs)
        for needle in expected:
            if needle.startswith("<") or (needle.startswith("&") and needle.endswith(";")):
                assert needle not in article.body, needle
            else:
                assert norm(needle) not in body, needle
    else:  # a field this test does not know is a sidecar error, not a pass
        raise AssertionError(f"unknown sidecar field {field}")


def zoo_score() -> tuple[int, int]:
    """(field checks passed, total): what the README reports for the zoo."""
    passed = 0
    for name, field, expected in CASES:
        try:
            check_field(_parsed(name), field, expected)
        except AssertionError:
            continue
        passed += 1
    return passed, len(CASES)


def test_zoo_has_the_documented_size():
    names = {path.name.removesuffix(".expected.json") for path in SIDECARS}
    assert len(names) >= 60
    assert all((ZOO / f"{name}.txt").exists() for name in names)


@pytest.mark.parametrize(
    ("name", "field", "expected"), CASES, ids=[f"{n}-{f}" for n, f, _ in CASES]
)
def test_outlet_field(name: str, field: str, expected: object):
    check_field(_parsed(name), field, expected)


BODY = (
    "Сегодня в городе прошло заседание рабочей группы, на котором обсудили ход ремонта дорог.\n"
    "Участники отметили, что работы на центральных улицах завершатся в установленные сроки.\n"
    "Жителей просят заранее планировать маршруты и пользоваться общественным транспортом.\n"
)
TITLE = "В городе обсудили ход ремонта дорог"


def _parse_text(text: str) -> Article:
    result = parse_article("negatives/case.txt", text.encode("utf-8"))
    assert isinstance(result, Article)
    return result


@pytest.mark.parametrize("entry", NEGATIVES["not_titles"], ids=lambda e: e["line"][:40])
def test_not_a_title(entry: dict[str, str]):
    article = _parse_text(f"{entry['line']}\n{BODY}")
    line = norm(entry["line"])
    assert article.title is None or norm(article.title) not in (line, line.replace("*", ""))


@pytest.mark.parametrize("entry", NEGATIVES["not_publication_dates"], ids=lambda e: e["line"][:40])
def test_not_a_publication_date(entry: dict[str, str]):
    article = _parse_text(f"{TITLE}\n{entry['line']}\n{BODY}")
    assert article.published_date is None
    dated = _parse_text(f"{TITLE}\n5 марта 2026\n{entry['line']}\n{BODY}")
    assert dated.published_date == date(2026, 3, 5)


@pytest.mark.parametrize("entry", NEGATIVES["not_authors"], ids=lambda e: e["line"][:40])
def test_not_an_author(entry: dict[str, str]):
    article = _parse_text(f"{TITLE}\n5 марта 2026\n{entry['line']}\n{BODY}")
    assert article.author is None
    tail = _parse_text(f"{TITLE}\n5 марта 2026\n{BODY}{entry['line']}\n")
    assert tail.author is None


HEAD_LINES = {
    "title": "Казахстан увеличил экспорт пшеницы в Китай в полтора раза",
    "date": "Дата публикации: 07.11.2024, 11:40",
    "author": "Автор: Анна Шевченко",
    "credit": "Фото: Zakon.kz/Дмитрий Ткаченко",
    "rubric": "Экономика",
}
HEAD_FIELDS = ("title", "published_date", "published_at", "author", "photo_credit", "section")


def _head_fields(article: Article) -> tuple[object, ...]:
    return tuple(getattr(article, field) for field in HEAD_FIELDS)


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(list(HEAD_LINES)))
def test_head_line_order_does_not_change_fields(order: list[str]):
    canonical = _parse_text("\n".join(HEAD_LINES.values()) + "\n" + BODY)
    assert canonical.title == HEAD_LINES["title"]
    assert canonical.author == "Анна Шевченко"
    assert canonical.section == "Экономика"
    assert canonical.photo_credit == "Zakon.kz/Дмитрий Ткаченко"
    assert canonical.published_date == date(2024, 11, 7)
    shuffled = _parse_text("\n".join(HEAD_LINES[k] for k in order) + "\n" + BODY)
    assert _head_fields(shuffled) == _head_fields(canonical)


BOILERPLATE = (
    "Читайте также: Сенат одобрил поправки о защите детей",
    "Подписывайтесь на наш Telegram-канал и узнавайте новости первыми!",
    "Поделиться",
    "Бөлісу:",
    "Теги: экономика, дороги, ремонт",
    "Тегтер: Президент Жамбыл облысы Әкім",
    "#дороги #ремонт #Алматы",
    "Tengrinews.kz",
    "Abai.kz",
    "*Новость дополнена",
    "Оқи отырыңыз: Шымбұлақ курорты маусымды ашты",
    "Обновлено: 12.03.2024",
    "Источник: Zakon.kz",
    "Фото: Reuters",
    "Подписывайтесь на нас в Instagram",
)


@settings(max_examples=80, deadline=None)
@given(tail=st.lists(st.sampled_from(BOILERPLATE), min_size=1, max_size=6))
def test_tail_boilerplate_never_reaches_the_body(tail: list[str]):
    article = _parse_text(f"{TITLE}\n5 марта 2026\n{BODY}" + "\n".join(tail) + "\n")
    body = " ".join(article.paragraphs)
    assert article.paragraphs[-1].startswith("Жителей просят")
    for line in tail:
        assert line not in body
