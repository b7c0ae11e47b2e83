"""Kazakh vs Russian (vs English) on full articles, sample titles and short headlines."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsetl.language import PREFIX_CHARS, bounded_prefix, detect_language
from newsetl.parse import parse_article
from newsetl.records import Article

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "data" / "sample").glob("*.txt"))
EXPECTED = {"000": "kk", "001": "kk", "002": "kk", "003": "kk", "004": "ru"}
TITLES = {
    "000": ("Алжирдің Коммуникация министрі Қазақстан Президентінің сұхбатына қызығушылық танытты"),
    "001": "Доха форумы: Қазақстан халықаралық ынтымақтастықты нығайтуға өз үлесін қосуда",
    "002": (
        "Лондонда Орталық Азия елдері СІМ басшыларының Ұлыбритания Парламенті депутаттарымен "
        "бірлескен кездесуі өтті"
    ),
    "003": "Мәулен Әшімбаев АҚШ Конгресі сенаторымен кездесті",
    "004": (
        "МИД: Встречи с дипломатами и представителями международных организаций прошли в "
        "Казахстане и за рубежом"
    ),
}

KAZAKH_HEADLINES = [
    "Астанада жаңа мектеп ашылды",
    "Үкімет отырысында бюджет мәселесі қаралды",
    "Алматы облысында қар жауады деп күтілуде",
    "Президент жастармен кездесті",
    "Ұлттық банк базалық мөлшерлемені өзгертпеді",
    "Мұнай бағасы тағы да төмендеді",
    "Жаз басталды",  # no letter outside the Russian alphabet
    "Павлодарда жол апаты болды",  # idem
]
RUSSIAN_HEADLINES = [
    "В Астане открылась новая школа",
    "Правительство обсудило проект бюджета на следующий год",
    "Курс тенге укрепился по отношению к доллару",
    "В Алматы ожидается сильный снегопад",
    "Президент встретился с молодыми учеными",
    "Цены на бензин снова выросли",
    "Токаев посетил Туркестанскую область",
]
ENGLISH_HEADLINES = [
    "Kazakhstan and Algeria discuss media cooperation",
    "The Senate speaker met a US senator",
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_full_sample_text(path: Path) -> None:
    language, confidence = detect_language(path.read_text(encoding="utf-8"))
    assert language == EXPECTED[path.name[:3]]
    assert confidence >= 0.9


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_parsed_sample_language(path: Path) -> None:
    article = parse_article(path.name, path.read_bytes())
    assert isinstance(article, Article)
    assert article.language == EXPECTED[path.name[:3]]
    assert 0.9 <= article.language_confidence <= 1.0


@pytest.mark.parametrize("prefix", sorted(TITLES))
def test_sample_title_alone(prefix: str) -> None:
    assert detect_language(TITLES[prefix])[0] == EXPECTED[prefix]


@pytest.mark.parametrize("headline", KAZAKH_HEADLINES)
def test_kazakh_headlines(headline: str) -> None:
    assert detect_language(headline)[0] == "kk"


@pytest.mark.parametrize("headline", RUSSIAN_HEADLINES)
def test_russian_headlines(headline: str) -> None:
    assert detect_language(headline)[0] == "ru"


@pytest.mark.parametrize("headline", ENGLISH_HEADLINES)
def test_english_is_not_forced_into_kazakh_or_russian(headline: str) -> None:
    assert detect_language(headline)[0] == "en"


def test_ambiguous_headline_is_not_called_kazakh() -> None:
    # Russian grammar, Kazakh loanwords: lingua leans kk with low confidence; the threshold must
    # turn that into "undetermined" (or ru), never a confident kk.
    language, _ = detect_language("Маслихат утвердил бюджет Шымкента")
    assert language in {None, "ru"}


@pytest.mark.parametrize("text", ["", "   ", "12345 678", "....!!!", "Қ", "Да", "2026-03-06"])
def test_undetermined_when_no_or_too_few_letters(text: str) -> None:
    assert detect_language(text) == (None, 0.0)


def test_every_paragraph_prefix_of_60_chars_is_right() -> None:
    # The detector sees a bounded prefix; even far shorter cuts must keep kk and ru apart.
    for path in SAMPLES:
        expected = EXPECTED[path.name[:3]]
        for line in path.read_text(encoding="utf-8").split("\n")[2:]:
            if len(line) > 60 and not line.startswith(("Фото", "Сурет")):
                assert detect_language(bounded_prefix(line, 60))[0] == expected, line[:60]


def test_bounded_prefix_cuts_at_a_word_boundary() -> None:
    text = "Қазақстан " * 100
    prefix = bounded_prefix(text)
    assert len(prefix) <= PREFIX_CHARS
    assert prefix.endswith("Қазақстан")
    assert bounded_prefix("қысқа") == "қысқа"
    assert len(bounded_prefix("ж" * 1000)) == PREFIX_CHARS  # no space: hard cut
