"""Folding, suffix stripping and keys: one key for the Kazakh and Russian forms of a name."""

from __future__ import annotations

import pytest

from newsetl.enrich.fold import (
    PREFIX_WORDS,
    fold,
    name_key,
    numbers,
    place_base,
    prefix_code,
    prefixes,
)
from newsetl.enrich.gazetteer import gazetteer
from newsetl.enrich.mentions import Known, Words, extract


def test_fold_maps_kazakh_letters_to_russian_ones() -> None:
    assert fold("ӘҒҚҢӨҰҮҺІ") == "агкноуухи"
    assert fold("Әшімбаев") == fold("Ашимбаев")


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("Тоқаев", "kk"),
        ("Тоқаевтың", "kk"),
        ("Тоқаевқа", "kk"),
        ("Тоқаевпен", "kk"),
        ("Токаев", "ru"),
        ("Токаева", "ru"),
        ("Токаеву", "ru"),
        ("Токаевым", "ru"),
    ],
)
def test_every_case_form_of_a_surname_has_one_key(word: str, language: str) -> None:
    assert name_key(word, language) == "токаев"


def test_feminine_and_spelling_variants_meet() -> None:
    assert name_key("Әлназарова", "kk") == name_key("Альназаровой", "ru")
    assert name_key("Смайылов", "kk") == name_key("Смаиловым", "ru")
    assert name_key("Бектенов", "kk") != name_key("Бекболатов", "kk")


def test_district_adjective_and_kazakh_name_share_a_base() -> None:
    assert place_base(fold("Кордайском")) == place_base(fold("Қордай"))
    assert place_base(fold("Павлодарскую")) == place_base(fold("Павлодар"))


def test_numbers_are_normalised_and_small_ones_dropped() -> None:
    assert numbers("3 500 адам, 9,5%, 2 қыркүйек, 18") == {"3500", "9.5", "18"}
    assert prefix_code("инфля") in prefixes("Инфляция") & prefixes("инфляциясы")


def test_prefixes_come_from_the_lead_of_a_long_text() -> None:
    """Only the first PREFIX_WORDS words give prefixes: a signature keeps one size whatever
    the article's length."""
    lead = " ".join(["Премьер-министр провел совещание"] * (PREFIX_WORDS // 3 + 1))
    tail = " ".join(f"инфляция{i} вакцинациялау строительство" for i in range(5000))
    found = prefixes(f"{lead} {tail}")
    assert found == prefixes(lead)
    assert prefix_code("инфля") not in found
    assert prefix_code("инфля") in prefixes(tail)


def test_prefix_codes_are_exact_for_cyrillic_and_latin() -> None:
    """A prefix's code keeps each letter (12 bits a letter): different prefixes of Kazakh,
    Russian and Latin letters never share one, and five letters fit 60 bits."""
    folded = {
        fold(w)[:5] for w in ("Тоқаев", "Токаев", "Шымкент", "Ақорда", "Akorda", "ақор", "тока")
    }
    codes = {prefix_code(p) for p in folded}
    assert len(codes) == len(folded)
    assert max(codes) < 2**60
    assert prefix_code("ab") == ord("a") | ord("b") << 12
    with pytest.raises(ValueError, match="5 letters at most"):
        prefix_code("токаев")


def _words(text: str) -> tuple[list[str], list[bool]]:
    w = Words.of(text)
    return w.words, w.joined


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Ақмола облысында боран", "kk", "kz.akmola_region"),
        ("в Акмолинской области", "ru", "kz.akmola_region"),
        ("Сенатқа жіберілді", "kk", "kz.senate"),
        ("Сенатом Парламента", "ru", "kz.senate"),
        ("Нұр-Сұлтанда өтті", "kk", "kz.astana"),
        ("в Нур-Султане", "ru", "kz.astana"),
        ("Қытайдың төрағасы", "kk", "cldr.CN"),
    ],
)
def test_gazetteer_finds_case_forms_in_both_languages(
    text: str, language: str, expected: str
) -> None:
    words, joined = _words(text)
    found = [m.entry.entity_id for m in gazetteer().find(words, language, joined)]
    assert found == [expected]


def test_lowercase_common_words_are_not_gazetteer_names() -> None:
    words, joined = _words("парламент және сенат туралы")
    assert gazetteer().find(words, "kk", joined) == []


def test_kazakh_person_keeps_given_name_and_drops_title() -> None:
    found = extract(["", "Ұлттық банк Төрағасы Ерболат Досаевтың сөзі"], "kk", Known())
    people = [(m.surface, m.entity_id) for m in found if m.kind == "person"]
    assert people == [("Ерболат Досаевтың", "person:досаев")]


def test_quoted_city_name_is_the_club() -> None:
    found = extract(["", "«Астана» Алматыда ойнады, Астанада жаңбыр."], "kk", Known())
    ids = {m.surface: m.entity_id for m in found}
    assert ids["Астана"].startswith("org:")
    assert ids["Алматыда"] == "kz.almaty"
    assert ids["Астанада"] == "kz.astana"


def test_kazakh_text_finds_a_name_the_russian_side_found() -> None:
    known = Known({f"person:{name_key('Мирзиёеву', 'ru')}"})
    found = extract(["", "Шавкат Мирзиёевпен кездесті."], "kk", known)
    assert [(m.surface, m.entity_id) for m in found] == [
        ("Шавкат Мирзиёевпен", f"person:{name_key('Мирзиёеву', 'ru')}")
    ]
