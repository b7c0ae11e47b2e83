"""Keys that make one name of Kazakh and Russian spellings and case forms.

A Kazakh form is stemmed with the search stemmer (Тоқаевтың -> тоқаев), a Russian one
lemmatised with pymorphy3 (Токаевым -> токаев); both are then folded to the letters the two
alphabets share (ә->а, ғ->г, қ->к, ң->н, ө->о, ұ/ү->у, һ->х, і->и, ё->е, soft and hard signs
dropped), so Әшімбаев and Ашимбаев meet. Keys are for matching only, never shown."""

from __future__ import annotations

import re
from functools import lru_cache

from newsetl.search import kazakh

FOLD = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
     "ё": "е", "ь": None, "ъ": None, "й": "и", "ы": "и", "э": "е"}
)  # fmt: skip

# Russian surname endings after -ов/-ев/-ин (Токаева, Токаеву, Токаевым, Токаеве), and the
# feminine forms (Альназарова, Альназаровой): one key for the family.
_SURNAME = re.compile(r"(ов|ев|ин)(а|у|им|ом|е|ои|ою|и)?$")
_DOUBLE = re.compile(r"(.)\1")
# Russian adjectives of place names (Кордайский район, Павлодарскую область): the base name.
_PLACE_ADJECTIVE = re.compile(r"(ск|инск|енск)?(ии|ая|ои|ое|ого|ом|ую|ои|ие|их)$")

WORD = re.compile(r"[^\W\d_]+(?:[-‐][^\W\d_]+)*")


def fold(text: str) -> str:
    """Lowercase and fold Kazakh letters and Russian variants to one alphabet."""
    return text.lower().translate(FOLD)


def surname_key(folded: str) -> str:
    """A folded surname without its case or feminine ending, doubled letters written once
    (Смайылов and Смаилов fold to смаиилов and смаилов; both become смаилов)."""
    key = _SURNAME.sub(r"\1", folded) if len(folded) > 4 else folded
    return _DOUBLE.sub(r"\1", key)


def place_base(folded: str) -> str:
    """The name inside a Russian place adjective: кордаискии -> кордаи, павлодарскую ->
    павлодар."""
    base = _PLACE_ADJECTIVE.sub("", folded) or folded
    return _DOUBLE.sub(r"\1", base.rstrip("аеиоуя") or base)


@lru_cache(maxsize=1)
def morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def ru_lemmas(word: str) -> tuple[str, ...]:
    """The lemmas pymorphy3 offers for a Russian word (at most three), lowercase."""
    lower = word.lower()
    out: list[str] = []
    for parse in morph().parse(lower)[:3]:
        if parse.normal_form not in out:
            out.append(parse.normal_form)
    return tuple(out) or (lower,)


@lru_cache(maxsize=200_000)
def token_keys(word: str, language: str) -> frozenset[str]:
    """Every key a written token may stand for: the folded form itself, and its Kazakh stem or
    its Russian lemmas (Kazakh text quotes Russian names and the other way round, so the
    other language's reduction is tried second)."""
    lower = word.lower()
    keys = {fold(lower)}
    if language == "ru":
        keys.update(fold(lemma) for lemma in ru_lemmas(word))
    else:
        keys.add(fold(kazakh.stem(lower)))
        # A hyphenated name takes its suffix on the last part only (Нұр-Сұлтанда).
        if "-" in lower:
            head, _, last = lower.rpartition("-")
            keys.add(fold(f"{head}-{kazakh.stem(last)}"))
    return frozenset(keys)


@lru_cache(maxsize=200_000)
def reduce(word: str, language: str) -> str:
    """The one reduction of a word used in keys: the Kazakh stem, or the Russian lemma of the
    likeliest parse, folded."""
    lower = word.lower()
    if language == "ru":
        return fold(ru_lemmas(word)[0])
    if "-" in lower:
        head, _, last = lower.rpartition("-")
        return fold(f"{head}-{kazakh.stem(last)}")
    return fold(kazakh.stem(lower))


@lru_cache(maxsize=200_000)
def name_key(word: str, language: str) -> str:
    """One key for a person's surname: a Russian one loses its case ending by rule (pymorphy3
    does not know most Kazakh surnames), a Kazakh one its suffixes by the stemmer."""
    folded = fold(word)
    if language == "ru":
        if _SURNAME.search(folded):
            return surname_key(folded)
        for parse in morph().parse(word.lower())[:3]:
            if {"Surn", "Name", "anim"} & set(str(parse.tag).replace(" ", ",").split(",")):
                return surname_key(fold(parse.normal_form))
        return surname_key(fold(ru_lemmas(word)[0]))
    return surname_key(reduce(word, "kk"))


NUMBER = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:[.,]\d+)?")


def numbers(text: str) -> set[str]:
    """Numbers as written values (3 500 and 3500 are one; 9,5 and 9.5 are one). Small integers
    (days, counts under ten) say little about which event it is and are left out."""
    out = set()
    for match in NUMBER.finditer(text):
        value = re.sub(r"[ \u00a0\u202f]", "", match.group()).replace(",", ".")
        if "." in value or int(value) >= 10:
            out.add(value)
    return out


# A prefix is kept as one integer (prefix_code): 12 bits a letter, five letters at most.
PREFIX_SIZE = 5
# Prefixes come from the first words only (the title and the lead, where a news text names its
# event): a signature stays the same size whatever the article's length, and so does the cost
# of reading and comparing it when later articles are linked.
PREFIX_WORDS = 100


def prefixes(text: str, size: int = PREFIX_SIZE, words: list[str] | None = None) -> set[int]:
    """Folded word prefixes of `size` letters from the words at least that long among the
    first PREFIX_WORDS, as their codes (prefix_code): cognates, loanwords and names shared by
    a Kazakh and a Russian text (инфляция / инфляция, вакцинация / вакцинациялау). `words`:
    WORD.findall(text), if the caller has them."""
    found = set((WORD.findall(text) if words is None else words)[:PREFIX_WORDS])
    return {_prefix(w, size) for w in found if len(w) >= size}


def prefix_code(prefix: str) -> int:
    """A prefix of up to five letters as one unsigned 64-bit integer: each letter's code point in
    12 bits (4095 for any past U+0FFE, so letters of scripts past Tibetan share one value), the
    first letter lowest. Exact for Cyrillic and Latin; the lake stores and compares these, which
    costs a fraction of strings to read and to count. sql/migrations/009_prefix_codes.sql
    computes the same from the strings earlier lakes stored."""
    if len(prefix) > PREFIX_SIZE:
        raise ValueError(f"a prefix code holds {PREFIX_SIZE} letters at most: {prefix!r}")
    return sum(min(ord(letter), 4095) << (12 * i) for i, letter in enumerate(prefix))


@lru_cache(maxsize=200_000)
def _prefix(word: str, size: int) -> int:
    return prefix_code(fold(word)[:size])
