"""Kazakh vs Russian (vs English) on full articles, sample titles and short headlines."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsetl.parse.article import parse_article
from newsetl.parse.language import (
    PREFIX_CHARS,
    _lingua,
    bounded_prefix,
    detect_language,
    kazakh_by_letters,
    russian_by_letters,
)
from newsetl.parse.records import Article
from tests.conftest import SAMPLE

SAMPLES = sorted((SAMPLE).glob("*.txt"))
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


# --- Kazakh in the Latin alphabet ----------------------------------------------------------------

# The official Cyrillic -> Latin tables of 2018 (acute accents) and 2021 (diacritics), to write
# the samples' own Kazakh sentences the way a Latin-script outlet would.
_CYRILLIC = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_LATIN_2018 = (
    "a á b v g ǵ d e ıo j z ı ı k q l m n ń o ó p r s t ý u ú f h h ts ch sh shsh - y i - e ıý ıa"
)
_LATIN_2021 = (
    "a ä b v g ğ d e io j z i i k q l m n ñ o ö p r s t u ū ü f h h ts ch ş şş - y ı - e iu ia"
)


def _to_latin(text: str, table: str) -> str:
    letters = dict(zip(_CYRILLIC, (x.replace("-", "") for x in table.split()), strict=True))
    out = []
    for ch in text:
        latin = letters.get(ch.lower())
        if latin is None:
            out.append(ch)
        else:
            out.append(latin.capitalize() if ch.isupper() else latin)
    return "".join(out)


KAZAKH_PARAGRAPHS = [
    line
    for path in SAMPLES
    if EXPECTED[path.name[:3]] == "kk"
    for line in path.read_text(encoding="utf-8").split("\n")[1:]
    if len(line) > 150 and not line.startswith(("Фото", "Сурет"))
]
LATIN_KAZAKH_HEADLINES = [
    "Ūlttyq bank bazalyq mölşerlemenı özgertpedı",  # 2021
    "Mūnai bağasy tağy da tömendedı",
    "Ükımet otyrysynda biudjet mäselesı qaraldy",
    "Úkimet otyrysynda bıýdjet máselesi qaraldy",  # 2018
    "Munaı baǵasy taǵy da tómendedi",
    "Almaty oblysynda qar jaýady dep kútilýde",
]
NOT_KAZAKH_LATIN = [
    "Kazakhstan's President Qasym-Jomart Toqaev met Gülnara Äbdirova in Astana on Tuesday "
    "to discuss trade and investment with the delegation.",
    "The Senate speaker Mäulen Äşımbaev met US senator Steve Daines, the press service said.",
    "Türkiye Cumhurbaşkanı Erdoğan bugün Ankara'da önemli açıklamalar yaptı ve gazetecilerin "
    "sorularını yanıtladı.",
    "Bakı şəhərində Azərbaycan Respublikasının Prezidenti İlham Əliyev çıxış edib.",
    "Müller und Schäfer haben über die Zukunft der Europäischen Union gesprochen.",
    "El presidente de España habló con los periodistas sobre la situación económica del año.",
    "Prezydent Polski spotkał się z przedstawicielami rządu w Warszawie w środę.",
    "Oʻzbekiston Respublikasi Prezidenti Shavkat Mirziyoyev qaror imzoladi va xalqqa murojaat "
    "qildi.",
    "Türkmenistanyň Prezidenti Serdar Berdimuhamedow döwlet maslahatyny geçirdi.",
    "Qatar and Kazakhstan signed a memorandum on cooperation in quantum computing.",
]


def test_there_are_enough_kazakh_paragraphs_to_write_in_latin() -> None:
    assert len(KAZAKH_PARAGRAPHS) >= 20


@pytest.mark.parametrize("table", [_LATIN_2018, _LATIN_2021], ids=["2018", "2021"])
def test_kazakh_paragraphs_in_latin_letters(table: str) -> None:
    for paragraph in KAZAKH_PARAGRAPHS:
        latin = _to_latin(paragraph, table)
        language, confidence = detect_language(latin)
        assert (language, confidence >= 0.9) == ("kk", True), latin[:80]


@pytest.mark.parametrize("headline", LATIN_KAZAKH_HEADLINES)
def test_latin_kazakh_headlines(headline: str) -> None:
    assert detect_language(headline)[0] == "kk"


@pytest.mark.parametrize("text", NOT_KAZAKH_LATIN)
def test_other_latin_text_with_the_same_letters_is_not_kazakh(text: str) -> None:
    assert detect_language(text)[0] != "kk"


def test_too_few_kazakh_letters_is_not_enough_evidence() -> None:
    # Two letters of evidence: the answer stays what lingua says of the Latin text.
    assert detect_language("Prezident jastarmen kezdestı")[0] != "kk"


@pytest.mark.parametrize("table", [_LATIN_2018, _LATIN_2021], ids=["2018", "2021"])
def test_latin_kazakh_article_is_parsed_as_kazakh(table: str) -> None:
    text = _to_latin(SAMPLES[1].read_text(encoding="utf-8"), table)
    article = parse_article("latin/001.txt", text.encode("utf-8"))
    assert isinstance(article, Article)
    assert article.language == "kk"
    assert article.title == _to_latin(TITLES["001"], table)


# -- Kazakh decided by its own letters, without lingua -----------------------------------------

RUSSIAN_NAMING_KAZAKHS = [
    "Мәулен Әшімбаев встретился с сенатором США в Астане",
    "В Қызылорда и Өскемен прошли встречи с жителями области",
    "Аким Шымкента Ғабит Сыздықов открыл новую школу на окраине города",
]


def _lingua_is_sure_it_is_kazakh(text: str) -> None:
    language, confidence = _lingua(text)
    assert language == "kk", text
    assert confidence >= 0.99, text


def test_the_letters_agree_with_lingua_on_the_samples() -> None:
    decided = 0
    for path in SAMPLES:
        text = path.read_text(encoding="utf-8")
        prefixes = [bounded_prefix(text), TITLES[path.name[:3]]]
        prefixes += [bounded_prefix(p) for p in text.split("\n") if len(p) > 40]
        for prefix in prefixes:
            if kazakh_by_letters(prefix):
                decided += 1
                _lingua_is_sure_it_is_kazakh(prefix)
        if EXPECTED[path.name[:3]] == "ru":
            assert not any(kazakh_by_letters(prefix) for prefix in prefixes)
    assert decided > 20


def test_the_letters_agree_with_lingua_on_the_bench_corpus() -> None:
    """Every article of the bench corpus the letters call Kazakh, lingua calls Kazakh too, and
    sure of it; and the letters decide most Kazakh articles, so lingua is rarely asked."""
    from bench.corpus import build

    kazakh = decided = 0
    for index in range(600):
        _, raw = build(5, index)
        try:
            prefix = bounded_prefix(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue  # hostile encodings: the parser decodes them first
        if kazakh_by_letters(prefix):
            decided += 1
            _lingua_is_sure_it_is_kazakh(prefix)
        if _lingua(prefix)[0] == "kk":
            kazakh += 1
    assert kazakh > 200
    assert decided >= 0.9 * kazakh


@pytest.mark.parametrize("text", RUSSIAN_NAMING_KAZAKHS)
def test_russian_naming_kazakh_people_and_places_is_left_to_lingua(text: str) -> None:
    assert not kazakh_by_letters(text)
    assert detect_language(text)[0] == _lingua(text)[0] != "kk"


@pytest.mark.parametrize("headline", KAZAKH_HEADLINES)
def test_the_letters_never_overrule_lingua_on_short_headlines(headline: str) -> None:
    if kazakh_by_letters(headline):
        _lingua_is_sure_it_is_kazakh(headline)
    assert detect_language(headline)[0] == "kk"


def test_russian_by_letters_agrees_with_lingua_on_the_samples_and_the_bench_corpus() -> None:
    """A long Cyrillic prefix without one Kazakh letter is Russian to lingua too; the Kazakh
    samples' prefixes never are; and most Russian articles of the bench decide themselves."""
    from bench.corpus import build

    prefixes = []
    for path in SAMPLES:
        text = path.read_text(encoding="utf-8")
        mine = [bounded_prefix(text)] + [bounded_prefix(p) for p in text.split("\n")]
        if EXPECTED[path.name[:3]] == "kk":
            assert not any(russian_by_letters(prefix) for prefix in mine)
        prefixes += mine
    articles = []
    for index in range(600):
        _, raw = build(5, index)
        try:
            articles.append(bounded_prefix(raw.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    for prefix in prefixes + articles:
        if russian_by_letters(prefix):
            assert _lingua(prefix)[0] == "ru", prefix
            assert detect_language(prefix) == ("ru", 1.0)
    russian = [prefix for prefix in articles if _lingua(prefix)[0] == "ru"]
    assert len(russian) > 50
    assert sum(map(russian_by_letters, russian)) >= 0.8 * len(russian)


@pytest.mark.parametrize(
    "text",
    [
        "Президент встретился с министром",  # too short: lingua decides
        "Токаев провёл встречу. " + "Kazakhstan and Russia signed an agreement today. " * 3,
    ],
)
def test_short_or_mixed_cyrillic_is_left_to_lingua(text: str) -> None:
    assert not russian_by_letters(text)
