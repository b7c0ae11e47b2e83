"""Search tokens: the words of an article or a query, and their stems. Plain functions, run in
the parse workers (each chunk stages its postings with its rows) and mirrored by the query macros
in sql/search/macros.sql, which must tokenise and stem a query exactly as these index articles.

- Words: lowercased, combining marks and format characters (stress accents, soft hyphens)
  removed, split on anything that is not a Unicode letter or digit. The same character classes
  as the SQL side (RE2 and the `regex` module agree on \\p{L}, \\p{N}, \\p{Mn}, \\p{Cf}). The
  words themselves are found with the standard `re` module, a quarter faster here: its
  `[^\\W_]` is exactly \\p{L} or \\p{N} for every character of Python's Unicode database
  (tests/search/test_search_tokens.py checks each), so only a letter newer than that database
  (Unicode 15 and later) splits a word here and not in a query. The marks are found with
  `regex`, and only removed from a text that has any (a quicker `re` search for
  the same characters rules most texts out first).
- Russian articles are stemmed with Snowball's Russian stemmer (the `snowballstemmer` package
  here, DuckDB's fts `stem(w, 'russian')` in queries: the same algorithm). Everything else,
  Kazakh first, with the table-driven Kazakh stemmer in newsetl.search.kazakh.
- Stopwords: short, conservative lists; BM25 already weighs common words down, these only keep
  prepositions and conjunctions from matching every article.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import filterfalse

import regex
import snowballstemmer

from newsetl.search import kazakh

_MARKS = regex.compile(r"[\p{Mn}\p{Cf}]+")
# The BMP characters `regex` itself calls marks, for the standard `re` module, which scans a text
# three times faster: only a text holding one of them, or a character beyond the BMP (which
# UTF-16 writes in four bytes), is searched with `regex`.
_BMP_MARKS = re.compile(
    "[{}]".format(
        re.escape("".join(sorted(set(_MARKS.findall("".join(map(chr, range(0x10000))))))))
    )
)
_WORD = re.compile(r"[^\W_]+")

STOPWORDS: dict[str, frozenset[str]] = {
    "ru": frozenset(
        [
            "а",
            "без",
            "бы",
            "был",
            "была",
            "были",
            "было",
            "быть",
            "в",
            "вам",
            "вас",
            "ведь",
            "во",
            "вот",
            "все",
            "всё",
            "всех",
            "вы",
            "где",
            "да",
            "для",
            "до",
            "его",
            "ее",
            "её",
            "ей",
            "если",
            "есть",
            "еще",
            "ещё",
            "же",
            "за",
            "и",
            "из",
            "или",
            "им",
            "их",
            "к",
            "как",
            "ко",
            "когда",
            "кто",
            "ли",
            "либо",
            "мы",
            "на",
            "над",
            "нам",
            "нас",
            "не",
            "него",
            "нее",
            "неё",
            "ней",
            "нет",
            "ни",
            "них",
            "но",
            "о",
            "об",
            "обо",
            "он",
            "она",
            "они",
            "оно",
            "от",
            "перед",
            "по",
            "под",
            "при",
            "про",
            "с",
            "со",
            "так",
            "также",
            "то",
            "тоже",
            "у",
            "уже",
            "чем",
            "что",
            "чтобы",
            "это",
            "этот",
            "эта",
            "эти",
            "этого",
            "этой",
            "этом",
            "я",
        ]
    ),
    "kk": frozenset(
        [
            "ал",
            "арқылы",
            "ба",
            "бе",
            "бен",
            "бойынша",
            "бұл",
            "бірақ",
            "біз",
            "да",
            "де",
            "деп",
            "дейін",
            "еді",
            "екен",
            "және",
            "кейін",
            "ма",
            "ме",
            "мен",
            "немесе",
            "не",
            "ол",
            "олар",
            "оның",
            "оны",
            "оған",
            "осы",
            "па",
            "пе",
            "пен",
            "сол",
            "соң",
            "сияқты",
            "сіз",
            "та",
            "те",
            "туралы",
            "тек",
            "ғана",
            "қана",
            "үшін",
            "әрі",
        ]
    ),
}


def index_lang(language: str | None) -> str:
    """The index an article goes to: ru for Russian, kk for Kazakh and everything else."""
    return "ru" if language == "ru" else "kk"


def words(text: str) -> list[str]:
    lowered = text.lower()
    beyond_bmp = len(lowered.encode("utf-16-le", "surrogatepass")) != 2 * len(lowered)
    if (beyond_bmp or _BMP_MARKS.search(lowered) is not None) and _MARKS.search(lowered):
        lowered = _MARKS.sub("", lowered)
    return _WORD.findall(lowered)


_russian = snowballstemmer.stemmer("russian")


@lru_cache(maxsize=262_144)
def stem_ru(word: str) -> str:
    return _russian.stemWord(word)


@lru_cache(maxsize=262_144)
def stem_kk(word: str) -> str:
    return kazakh.stem(word)


STEMMERS = {"ru": stem_ru, "kk": stem_kk}


def terms(text: str, lang: str) -> Counter[str]:
    """Stemmed terms of a text with their frequencies, stopwords left out."""
    stop, stem = STOPWORDS[lang], STEMMERS[lang]
    # map and filterfalse keep the loop in C; the stemmers are cached per word (lru_cache).
    return Counter(map(stem, filterfalse(stop.__contains__, words(text))))


def query_terms(query: str) -> set[tuple[str, str]]:
    """(lang, term) pairs a query looks up: each word as a Russian and as a Kazakh term."""
    found = set()
    query_words = words(unicodedata.normalize("NFC", query))
    for lang in ("ru", "kk"):
        stop, stem = STOPWORDS[lang], STEMMERS[lang]
        found |= {(lang, stem(w)) for w in query_words if w not in stop}
    return found
