"""A light, table-driven stemmer for Kazakh nouns, for full-text search.

Kazakh nouns take their endings in a fixed order: plural, then possessive, then case, each
optional (министр-лер-і-нің "of their ministers"). Each ending has several spellings, chosen by
vowel harmony (back -лар, front -лер) and by the sound before it (-лар after a vowel, -дар after
л/м/н, -тар after a voiceless consonant). This module writes those endings down as small tables
(PLURAL, POSSESSIVES, CASES, RELATIONAL), multiplies them out into every whole chain a noun can
end in, and keeps the chains in one set, SUFFIXES. Stemming is then a single lookup:

    strip the longest chain in SUFFIXES that the word ends with, provided at least MIN_STEM
    letters remain and the remainder still contains a vowel; then, if the remainder ends in a
    letter of FINAL_MAP, replace that one letter.

There are no exception lists, no repeated passes and no vowel-harmony checks against the stem,
so the same algorithm is a few lines of SQL against a table of suffixes (`suffix_rows()`), and
the search index and the query side can share it.

Design choices, each a trade-off measured on tests/data/kazakh_stems.tsv:

- Chains are harmonious inside themselves (-лардың, -лердің; never -лердың), but any chain may
  follow any stem: the stem's own vowels are not checked.
- FINAL_MAP undoes the voicing of a final consonant before a vowel-initial ending
  (министрлік / министрлігі, ынтымақтастық / ынтымақтастығы, кітап / кітабы): the stem is
  written with the voiceless letter. It applies to every result, so a loanword ending in a
  voiced letter is written the same way (диалог -> диалок), in documents and queries alike.
- First and second person singular possessives (-ым/-ім/-м, -ың/-ің/-ң) are in the tables but
  not stripped: news text almost never uses them, while stripping them would cut common nouns
  that merely end that way (адам, әлем, білім, шешім, заң, кезең). The plural and polite
  possessives (-ымыз, -ыңыз) are stripped.
- The back-vowel ablative -тан on its own is not stripped: it would cut the country names in
  -стан (Қазақстан, Өзбекстан). The ablative survives in its other spellings and in chains.
- MIN_STEM = 2 keeps two-letter roots that carry much of the news (ел, іс, ай, су) while
  sparing most three-letter words; VOWELS stops a cut that would leave a consonant cluster.

Known limits: the stemmer is for nouns and adjectives, not verbs; a stem ending in -ы/-і
(басшы, Алматы) loses that vowel when it stands alone; stems ending in -с collide with the
possessive -сы (жұмысы -> жұму); vowels dropped before a possessive (халық / халқы) are not
restored; adjectives in -ды/-ті/-лы are cut as if accusative (маңызды -> маңыз).
"""

from __future__ import annotations

from collections.abc import Iterator

VOWELS: frozenset[str] = frozenset("аәеёиоөуұүыіэюя")

BACK, FRONT = "back", "front"

# Plural, by harmony: after vowels and р/й/у, after л/м/н/ң/з/ж, after voiceless consonants.
PLURAL: dict[str, tuple[str, ...]] = {
    BACK: ("лар", "дар", "тар"),
    FRONT: ("лер", "дер", "тер"),
}

# Possessives: person -> (back after consonant, back after vowel, front after consonant,
# front after vowel, the case table that follows). After a plural the consonant form is used.
POSSESSIVES: dict[str, tuple[str, str, str, str, str]] = {
    "3": ("ы", "сы", "і", "сі", "after_3"),
    "1pl": ("ымыз", "мыз", "іміз", "міз", "after_z"),
    "2polite": ("ыңыз", "ңыз", "іңіз", "ңіз", "after_z"),
    "1sg": ("ым", "м", "ім", "м", "after_1_2sg"),
    "2sg": ("ың", "ң", "ің", "ң", "after_1_2sg"),
}

# Persons whose endings are stripped (see the module docstring for the two left out).
STRIPPED_PERSONS: frozenset[str] = frozenset({"3", "1pl", "2polite"})

CASE_NAMES = ("genitive", "dative", "accusative", "locative", "ablative", "instrumental")

# The seven cases (the nominative has no ending), by what precedes them. Each entry is
# (back forms, front forms). "stem": straight after the stem, whose last sound is unknown, so
# every spelling; "plural": after -лар/-лер; "after_3": after the 3rd person possessive;
# "after_z": after -мыз/-ңыз; "after_1_2sg": after -м/-ң.
_INSTRUMENTAL = ("мен", "бен", "пен", "менен", "бенен", "пенен")
CASES: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "stem": {
        "genitive": (("ның", "дың", "тың"), ("нің", "дің", "тің")),
        "dative": (("ға", "қа"), ("ге", "ке")),
        "accusative": (("ны", "ды", "ты"), ("ні", "ді", "ті")),
        "locative": (("да", "та"), ("де", "те")),
        "ablative": (("нан", "дан", "тан"), ("нен", "ден", "тен")),
        "instrumental": (_INSTRUMENTAL, _INSTRUMENTAL),
    },
    "plural": {
        "genitive": (("дың",), ("дің",)),
        "dative": (("ға",), ("ге",)),
        "accusative": (("ды",), ("ді",)),
        "locative": (("да",), ("де",)),
        "ablative": (("дан",), ("ден",)),
        "instrumental": (("мен", "менен"), ("мен", "менен")),
    },
    "after_3": {
        "genitive": (("ның",), ("нің",)),
        "dative": (("на",), ("не",)),
        "accusative": (("н",), ("н",)),
        "locative": (("нда",), ("нде",)),
        "ablative": (("нан",), ("нен",)),
        "instrumental": (("мен", "менен"), ("мен", "менен")),
    },
    "after_z": {
        "genitive": (("дың",), ("дің",)),
        "dative": (("ға",), ("ге",)),
        "accusative": (("ды",), ("ді",)),
        "locative": (("да",), ("де",)),
        "ablative": (("дан",), ("ден",)),
        "instrumental": (("бен", "бенен"), ("бен", "бенен")),
    },
    "after_1_2sg": {
        "genitive": (("ның",), ("нің",)),
        "dative": (("а",), ("е",)),
        "accusative": (("ды",), ("ді",)),
        "locative": (("да",), ("де",)),
        "ablative": (("нан",), ("нен",)),
        "instrumental": (("мен", "менен"), ("мен", "менен")),
    },
}

# The relational -ғы/-гі turns a locative into an adjective (Алжирдегі "in Algeria",
# арасындағы "between"); it follows the locative only.
RELATIONAL: dict[str, str] = {BACK: "ғы", FRONT: "гі"}

# Whole chains that are generated but never stripped, with the words they would damage.
PRUNED: dict[str, str] = {
    "тан": "country names in -стан: Қазақстан, Өзбекстан, Қырғызстан",
}

MIN_STEM: int = 2

# A voiced final consonant before a vowel-initial ending is written voiceless in the stem.
FINAL_MAP: dict[str, str] = {"б": "п", "г": "к", "ғ": "қ"}


def _possessive_slots(harmony: str, after_plural: bool) -> Iterator[tuple[str, str]]:
    """(ending, case table) for no possessive and for each stripped person."""
    yield "", "plural" if after_plural else "stem"
    for person, (back_c, back_v, front_c, front_v, table) in POSSESSIVES.items():
        if person not in STRIPPED_PERSONS:
            continue
        after_consonant, after_vowel = (back_c, back_v) if harmony == BACK else (front_c, front_v)
        yield after_consonant, table
        if not after_plural:
            yield after_vowel, table


def _case_slots(table: str, harmony: str) -> Iterator[str]:
    """No case, each case form, and each locative followed by the relational -ғы/-гі."""
    yield ""
    side = 0 if harmony == BACK else 1
    for name in CASE_NAMES:
        for form in CASES[table][name][side]:
            yield form
            if name == "locative":
                yield form + RELATIONAL[harmony]


def _chains() -> frozenset[str]:
    chains: set[str] = set()
    for harmony in (BACK, FRONT):
        for plural in ("", *PLURAL[harmony]):
            for possessive, table in _possessive_slots(harmony, after_plural=bool(plural)):
                for case in _case_slots(table, harmony):
                    chains.add(plural + possessive + case)
    chains.discard("")
    return frozenset(chains - PRUNED.keys())


SUFFIXES: frozenset[str] = _chains()
MAX_SUFFIX_LEN: int = max(map(len, SUFFIXES))


def suffix_rows() -> list[tuple[str, int]]:
    """(suffix, length) for every chain, sorted, to load into a SQL table."""
    return sorted((suffix, len(suffix)) for suffix in SUFFIXES)


def stem(word: str) -> str:
    """Stem one lowercase token: strip the longest chain in SUFFIXES that leaves at least
    MIN_STEM letters including a vowel, then replace a final letter found in FINAL_MAP."""
    rest = word
    for n in range(min(MAX_SUFFIX_LEN, len(word) - MIN_STEM), 0, -1):
        if word[-n:] in SUFFIXES and not VOWELS.isdisjoint(word[:-n]):
            rest = word[:-n]
            break
    if rest and rest[-1] in FINAL_MAP:
        rest = rest[:-1] + FINAL_MAP[rest[-1]]
    return rest
