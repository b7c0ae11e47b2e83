"""Language identification with lingua, restricted to the languages this corpus contains.

Restricting lingua to Kazakh, Russian and English keeps it fast (fewer models to score) and
keeps its answers inside the corpus, while English stops an English article from being forced
into kk/ru. Detection runs on a bounded prefix (title plus the start of the body): lingua's cost
grows with the text (measured ~0.5 us per character for Russian, less for Kazakh, whose own
letters let lingua rule the other languages out early), and 60 characters of any sample
paragraph already tell Kazakh from Russian.

Most Kazakh text decides itself: Cyrillic Kazakh writes nine letters Russian never uses
(ә ғ қ ң ө ұ ү һ і), about one letter in seven. Where the prefix holds at least
KAZAKH_LETTERS_MIN of them and they are at least KAZAKH_LETTERS_SHARE of its letters, the text
is Kazakh without asking lingua (which, on such text, is sure of it: tests/parse/test_language.py
compares the two on the samples and the bench corpus), and the confidence reported is 1.0. A
Russian text naming a Kazakh person or place holds a few of them, far below that; everything
else goes to lingua. Russian decides itself the other way: a prefix of at least
RUSSIAN_LETTERS_MIN Cyrillic letters (almost all of its letters) without a single one of those
nine is Russian, with confidence 1.0; shorter or mixed texts go to lingua.

lingua knows Kazakh only in Cyrillic. Kazakh in the Latin alphabet (the 2018 alphabet with
acute accents, the 2021 one with diacritics) is recognised by its letters first: several of
the letters only Kazakh Latin uses, and none of the letters and English words it never uses
(c, w, x, th, Turkish ç, Azerbaijani ə, "the", "and"...). Such text is then transliterated to
Cyrillic with that alphabet's table and lingua confirms it is Kazakh; its confidence is the one
reported. Letters alone would take Turkish for Kazakh; lingua alone, restricted to three
languages, calls any transliterated Turkic or accented text Kazakh.
"""

from __future__ import annotations

import re
import threading

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES: tuple[Language, ...] = (Language.KAZAKH, Language.RUSSIAN, Language.ENGLISH)

# Characters of the article given to lingua; cut back to a word boundary. Measured on one core:
# 300 -> ~140 us per Russian article, 200 -> ~100 us, same answers on all samples and titles.
# (Short texts are not proportionally cheaper: a 100-character Russian text cost more than a
# 150-character one, lingua evidently spending more effort per character on short inputs.)
PREFIX_CHARS = 200
# Fewer letters than this is not enough evidence for any answer.
MIN_LETTERS = 4
# lingua's confidence values over LANGUAGES sum to 1; below this the top language is a guess.
MIN_CONFIDENCE = 0.7

# Cyrillic letters of Kazakh that Russian never writes, and how many of them (count and share of
# the prefix's letters) decide that a text is Kazakh without lingua.
KAZAKH_CYRILLIC = "әғқңөұүһі"
KAZAKH_LETTERS_MIN = 5
KAZAKH_LETTERS_SHARE = 0.08
# Cyrillic letters, and their share of all letters, that decide Russian when not one of them is
# Kazakh's own: (6/7)^100 is below one in a million.
RUSSIAN_LETTERS_MIN = 100
CYRILLIC_SHARE = 0.85
_KAZAKH_CYRILLIC = re.compile(f"[{KAZAKH_CYRILLIC}{KAZAKH_CYRILLIC.upper()}]")
_ANY_LETTER = re.compile(r"[^\W\d_]")

# Letters of Kazakh Latin that neither English nor Russian transliteration uses (with `ı`, which
# both Kazakh alphabets use, and `q` not before `u`, which stands for қ).
KAZAKH_LATIN_2021 = "äğñöşūü"
KAZAKH_LATIN_2018 = "áǵńóúý"
# At least this many such letters, and this share of the Latin letters (Kazakh text has 10-20%).
MIN_KAZAKH_LATIN_LETTERS = 3
MIN_KAZAKH_LATIN_SHARE = 0.08
_KAZAKH_LATIN = KAZAKH_LATIN_2021 + KAZAKH_LATIN_2018
# Case-sensitive: with IGNORECASE `ı` would match every I.
_ANY_KAZAKH_LATIN = re.compile(f"[{_KAZAKH_LATIN}{_KAZAKH_LATIN.upper()}ı]")
_LATIN_LETTER = re.compile(f"[a-z{KAZAKH_LATIN_2021}{KAZAKH_LATIN_2018}ı]", re.IGNORECASE)
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_Q = re.compile("q(?!u)", re.IGNORECASE)
# What Kazakh Latin never writes: c, w, x, th, other languages' accented letters, English words.
_NOT_KAZAKH_LATIN = re.compile(
    r"[cwxçéèêëàâîïôûÿœæßøåəłąęśżźćňřčšžõãíìʻ]|th"
    r"|\b(?:the|and|of|in|to|for|with|from|by|was|were|has|have|said)\b",
    re.IGNORECASE,
)
# Latin -> Cyrillic, for lingua. The two alphabets differ in their vowels: 2018 writes і as i,
# и/й as ı and у as ý; 2021 writes і as ı and и/й as i; both write ы as y.
_TO_CYRILLIC_COMMON = {
    "a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "j": "ж", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с", "t": "т",
    "v": "в", "y": "ы", "z": "з",
}  # fmt: skip
_TO_CYRILLIC_2021 = str.maketrans(
    {**_TO_CYRILLIC_COMMON, "ä": "ә", "ğ": "ғ", "ı": "і", "i": "и", "ñ": "ң", "ö": "ө", "ş": "ш",
     "u": "у", "ū": "ұ", "ü": "ү"}
)  # fmt: skip
_TO_CYRILLIC_2018 = str.maketrans(
    {**_TO_CYRILLIC_COMMON, "á": "ә", "ǵ": "ғ", "i": "і", "ı": "и", "ń": "ң", "ó": "ө", "u": "ұ",
     "ú": "ү", "ý": "у"}
)  # fmt: skip

# The 2017 alphabet writes ә ғ ң ө ү у и ш ч as a letter and an apostrophe, і as i, ы as y,
# ұ as u.
_APOSTROPHE_LETTER = re.compile(r"[aognuyisc]'", re.IGNORECASE)
_APOSTROPHE_2017 = (
    ("a'", "ә"), ("g'", "ғ"), ("n'", "ң"), ("o'", "ө"), ("u'", "ү"), ("y'", "у"), ("i'", "и"),
    ("s'", "ш"), ("c'", "ч"),
)  # fmt: skip
_TO_CYRILLIC_2017 = str.maketrans({**_TO_CYRILLIC_COMMON, "i": "і", "u": "ұ"})

_lock = threading.Lock()
_instance: LanguageDetector | None = None


def _detector() -> LanguageDetector:
    """The process-wide detector, built on first use (~0.4 s, models preloaded)."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                builder = LanguageDetectorBuilder.from_languages(*LANGUAGES)
                _instance = builder.with_preloaded_language_models().build()
    return _instance


def warm_up() -> None:
    """Load the models now (e.g. in a worker initialiser) instead of on the first article."""
    _detector()


def bounded_prefix(text: str, limit: int = PREFIX_CHARS) -> str:
    """At most `limit` characters of `text`, not cutting a word in half when avoidable."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", limit // 2, limit)
    return text[: cut if cut > 0 else limit]


def detect_language(text: str, limit: int = PREFIX_CHARS) -> tuple[str | None, float]:
    """ISO 639-1 code and lingua's confidence, or (None, 0.0) when undetermined."""
    prefix = bounded_prefix(text, limit)
    if not _has_letters(prefix, MIN_LETTERS):
        return None, 0.0
    if kazakh_by_letters(prefix):
        return "kk", 1.0
    if russian_by_letters(prefix):
        return "ru", 1.0
    language, confidence = _lingua(prefix)
    # Kazakh in Latin letters reads as English (or nothing) to lingua; only then look closer.
    if language in (None, "en") and (
        _ANY_KAZAKH_LATIN.search(prefix) or _APOSTROPHE_LETTER.search(prefix)
    ):
        cyrillic = kazakh_latin_to_cyrillic(prefix)
        if cyrillic is not None and (found := _lingua(cyrillic))[0] == "kk":
            return found
    return language, confidence


def kazakh_by_letters(text: str) -> bool:
    """Whether Kazakh's own Cyrillic letters alone say that `text` is Kazakh."""
    kazakh = len(_KAZAKH_CYRILLIC.findall(text))
    if kazakh < KAZAKH_LETTERS_MIN:
        return False
    if kazakh >= KAZAKH_LETTERS_SHARE * len(text):
        return True  # a share of all the characters is at least that share of the letters
    return kazakh >= KAZAKH_LETTERS_SHARE * len(_ANY_LETTER.findall(text))


def russian_by_letters(text: str) -> bool:
    """Whether a long Cyrillic text without a single letter of Kazakh's own is Russian: Kazakh
    writes one of them about every seventh letter, so RUSSIAN_LETTERS_MIN Cyrillic letters
    without one (and next to no Latin letters) do not happen in Kazakh."""
    if _KAZAKH_CYRILLIC.search(text):
        return False
    cyrillic = len(_CYRILLIC_LETTER.findall(text))
    return cyrillic >= RUSSIAN_LETTERS_MIN and cyrillic >= CYRILLIC_SHARE * len(
        _ANY_LETTER.findall(text)
    )


def _lingua(text: str) -> tuple[str | None, float]:
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return None, 0.0
    top = values[0]
    if top.value < MIN_CONFIDENCE:
        return None, 0.0
    return top.language.iso_code_639_1.name.lower(), round(top.value, 4)


def kazakh_latin_to_cyrillic(text: str) -> str | None:
    """`text` in Cyrillic letters if its letters say it is Kazakh in the 2018 or 2021 Latin
    alphabet, else None. For telling the language only: the spelling is approximate."""
    latin = len(_LATIN_LETTER.findall(text))
    if latin <= len(_CYRILLIC_LETTER.findall(text)):
        return None
    lower = text.replace("İ", "i").lower().replace("’", "'")
    apostrophes = len(_APOSTROPHE_LETTER.findall(lower))
    if apostrophes >= MIN_KAZAKH_LATIN_LETTERS and apostrophes >= MIN_KAZAKH_LATIN_SHARE * latin:
        # The 2017 alphabet: a digraph with an apostrophe for each Kazakh letter (a' = ә).
        for digraph, letter in _APOSTROPHE_2017:
            lower = lower.replace(digraph, letter)
        return lower.translate(_TO_CYRILLIC_2017)
    marks_2021 = sum(map(lower.count, KAZAKH_LATIN_2021))
    marks_2018 = sum(map(lower.count, KAZAKH_LATIN_2018))
    marks = max(marks_2021, marks_2018) + lower.count("ı") + len(_Q.findall(lower))
    if marks < MIN_KAZAKH_LATIN_LETTERS or marks < MIN_KAZAKH_LATIN_SHARE * latin:
        return None
    if len(_NOT_KAZAKH_LATIN.findall(lower)) * 8 > marks:
        return None
    if marks_2018 > marks_2021:
        return lower.replace("sh", "ш").replace("ch", "ч").translate(_TO_CYRILLIC_2018)
    return lower.translate(_TO_CYRILLIC_2021)


def _has_letters(text: str, needed: int) -> bool:
    for ch in text:
        if ch.isalpha():
            needed -= 1
            if needed == 0:
                return True
    return False
