"""The Kazakh stemmer measured on a list of real word forms (tests/data/kazakh_stems.tsv), kept
apart on words that only look alike, and reproduced from its exported tables, in Python and in
DuckDB SQL, the way the search index will run it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsetl.search.kazakh import (
    FINAL_MAP,
    MAX_SUFFIX_LEN,
    MIN_STEM,
    SUFFIXES,
    VOWELS,
    stem,
    suffix_rows,
)
from tests.conftest import ROOT

LIST = ROOT / "tests" / "data" / "kazakh_stems.tsv"
KAZAKH_LETTERS = "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә"

# Measured: 879 of 1005 words (87.5 %); 367 of 416 lemmas fully conflated (88.2 %), 138 of 187
# with more than one form (73.8 %). The thresholds sit just below.
ACCURACY_THRESHOLD = 0.87
CONFLATION_THRESHOLD = 0.88

# Different words that must keep different stems: each pair shares letters a stemmer could
# mistake for an ending (a root and its derivative, a word and its look-alike).
FALSE_FRIENDS = [
    ("ел", "елу"),  # country / fifty
    ("ел", "елші"),  # country / ambassador
    ("елші", "елшілік"),  # ambassador / embassy
    ("ел", "ер"),  # country / man
    ("бас", "басшы"),  # head / leader
    ("әлем", "әлі"),  # world / still
    ("білім", "біл"),  # knowledge / know
    ("шешім", "шеш"),  # decision / solve
    ("қазан", "қаза"),  # October / death
    ("ақпан", "ақ"),  # February / white
    ("ақпарат", "ақпан"),  # information / February
    ("астана", "астам"),  # capital / more than
    ("ата", "ат"),  # grandfather / horse
    ("атау", "ата"),  # name / grandfather
    ("жаңа", "жан"),  # new / soul
    ("бала", "бал"),  # child / honey
    ("қала", "қал"),  # city / stay
    ("сала", "сал"),  # sector / put
    ("тіл", "тілші"),  # language / correspondent
    ("ас", "аса"),  # food / very
    ("қар", "қара"),  # snow / black
    ("жол", "жолдас"),  # road / comrade
    ("бір", "бірлік"),  # one / unity
    ("ұлт", "ұлттық"),  # nation / national
    ("әкім", "әкімдік"),  # governor / governor's office
    ("мемлекет", "мемлекеттік"),  # state / state (adjective)
    ("халық", "халықаралық"),  # people / international
    ("сенат", "сенатор"),  # senate / senator
    ("министр", "министрлік"),  # minister / ministry
    ("күн", "күнә"),  # day / sin
    ("жыл", "жылқы"),  # year / horse
    ("қазақстан", "қазақ"),  # Kazakhstan / Kazakh
    ("өзбекстан", "өзбек"),  # Uzbekistan / Uzbek
    ("түрікменстан", "түрікмен"),  # Turkmenistan / Turkmen
    ("сан", "сана"),  # number / consciousness
    ("заң", "заман"),  # law / era
    ("кең", "кеңес"),  # wide / council
    ("іс", "іш"),  # affair / inside
    ("ана", "ара"),  # mother / between
]

# Different words the stemmer does conflate, kept here so the record is complete; printed by
# test_false_friends, not asserted. Each follows from the contract: a longest-match cut with no
# exception list cannot tell these endings from real ones.
KNOWN_COLLISIONS = [
    ("алматы", "алма"),  # Almaty / apple: the city's final -ы reads as a possessive
    ("сауда", "сау"),  # trade / healthy: -да reads as a locative
    ("теңге", "тең"),  # tenge / equal: -ге reads as a dative
    ("орта", "ор"),  # middle / ditch: -та reads as a locative
    ("орын", "ор"),  # place / ditch: -ын reads as possessive + accusative
    ("аудан", "ау"),  # district / net: -дан reads as an ablative
    ("түрікмен", "түрік"),  # Turkmen / Turk: -мен reads as an instrumental
    ("тұрақты", "тұрақ"),  # stable / parking place: -ты reads as an accusative
    ("бағдар", "бақ"),  # orientation / garden: -дар reads as a plural
]


def load_list() -> list[tuple[str, str, str]]:
    """(word, expected stem, section) for every line of the list."""
    rows = []
    section = ""
    for number, line in enumerate(LIST.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("## "):
            section = line[3:]
            continue
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 2, f"line {number}: {line!r}"
        rows.append((fields[0], fields[1], section))
    return rows


ROWS = load_list()


def reference_stem(word: str) -> str:
    """The algorithm written straight from the exported tables, the way SQL joins them: every
    (suffix, length) row the word ends with that leaves MIN_STEM letters including a vowel, the
    longest wins, then one final letter through FINAL_MAP."""
    cuts = [
        length
        for suffix, length in suffix_rows()
        if word.endswith(suffix)
        and len(word) - length >= MIN_STEM
        and any(letter in VOWELS for letter in word[: len(word) - length])
    ]
    rest = word[: len(word) - max(cuts, default=0)]
    if rest[-1:] in FINAL_MAP:
        rest = rest[:-1] + FINAL_MAP[rest[-1]]
    return rest


def test_list_is_well_formed() -> None:
    assert len(ROWS) >= 320
    words = [word for word, _, _ in ROWS]
    duplicates = [word for word, n in Counter(words).items() if n > 1]
    assert not duplicates
    pattern = re.compile(f"[{KAZAKH_LETTERS}]+")
    for word, expected, _ in ROWS:
        assert pattern.fullmatch(word), word
        assert pattern.fullmatch(expected), expected
    assert {section for _, _, section in ROWS} >= {
        "First and second person possessives",
        "Sample articles: adjectives and adverbs",
    }


def test_accuracy_on_the_list(record_property: pytest.RecordProperty) -> None:
    right = [stem(word) == expected for word, expected, _ in ROWS]
    share = sum(right) / len(ROWS)
    by_section: dict[str, list[bool]] = defaultdict(list)
    for ok, (_, _, section) in zip(right, ROWS, strict=True):
        by_section[section].append(ok)
    print(f"\nKazakh stemmer accuracy: {sum(right)} of {len(ROWS)} words ({share:.1%})")
    for section, oks in by_section.items():
        print(f"  {sum(oks):4} / {len(oks):4}  {section}")
    record_property("kazakh_stem_accuracy", f"{sum(right)}/{len(ROWS)}")
    wrong = [(w, e, stem(w)) for (w, e, _), ok in zip(ROWS, right, strict=True) if not ok]
    assert share >= ACCURACY_THRESHOLD, f"{share:.1%}; first misses: {wrong[:20]}"


def test_forms_of_one_lemma_stem_alike(record_property: pytest.RecordProperty) -> None:
    stems: dict[str, set[str]] = defaultdict(set)
    forms: Counter[str] = Counter()
    for word, expected, _ in ROWS:
        stems[expected].add(stem(word))
        forms[expected] += 1
    whole = [lemma for lemma, got in stems.items() if len(got) == 1]
    inflected = [lemma for lemma in stems if forms[lemma] > 1]
    whole_inflected = [lemma for lemma in inflected if len(stems[lemma]) == 1]
    share = len(whole) / len(stems)
    print(
        f"\nLemmas fully conflated: {len(whole)} of {len(stems)} ({share:.1%}); "
        f"of those with several forms: {len(whole_inflected)} of {len(inflected)} "
        f"({len(whole_inflected) / len(inflected):.1%})"
    )
    record_property("kazakh_stem_conflation", f"{len(whole)}/{len(stems)}")
    split = {lemma: sorted(got) for lemma, got in stems.items() if len(got) > 1}
    assert share >= CONFLATION_THRESHOLD, split


def test_false_friends_keep_apart() -> None:
    assert len(FALSE_FRIENDS) >= 20
    collided = [(a, b, stem(a)) for a, b in FALSE_FRIENDS if stem(a) == stem(b)]
    assert not collided
    print("\nKnown collisions (not asserted):")
    for a, b in KNOWN_COLLISIONS:
        print(f"  {a} -> {stem(a)}, {b} -> {stem(b)}")


@pytest.mark.parametrize(
    ("base", "inflected"),
    [("сенатор", "сенаторымен"), ("қазақстан", "қазақстанның"), ("министр", "министрі")],
)
def test_required_pairs(base: str, inflected: str) -> None:
    assert stem(base) == stem(inflected) == base


def test_short_words_stay_whole() -> None:
    for word in ("ал", "мен", "пен", "ел", "жыл", "іс", "су", "ай"):
        assert stem(word) == word


def test_exported_tables() -> None:
    rows = suffix_rows()
    assert rows == sorted(rows)
    assert {suffix for suffix, _ in rows} == SUFFIXES
    assert all(length == len(suffix) > 0 for suffix, length in rows)
    assert max(length for _, length in rows) == MAX_SUFFIX_LEN
    assert MIN_STEM >= 1
    assert set(KAZAKH_LETTERS) >= VOWELS
    assert not set(FINAL_MAP.values()) & set(FINAL_MAP)  # one replacement, never a chain
    for chain in ("лар", "лары", "ларының", "ымен", "ның", "дағы", "іміздің", "менен"):
        assert chain in SUFFIXES
    assert "тан" not in SUFFIXES  # would cut Қазақстан
    assert "ым" not in SUFFIXES  # would cut адам, білім


def test_reference_agrees_on_the_list() -> None:
    assert [stem(w) for w, _, _ in ROWS] == [reference_stem(w) for w, _, _ in ROWS]


def test_duckdb_sql_agrees_on_the_list() -> None:
    """The same algorithm as one SQL query over a suffix table: what the search index runs."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE kk_suffix (suffix VARCHAR, len INTEGER)")
        con.executemany("INSERT INTO kk_suffix VALUES (?, ?)", suffix_rows())
        con.execute("CREATE TABLE kk_final (src VARCHAR, dst VARCHAR)")
        con.executemany("INSERT INTO kk_final VALUES (?, ?)", sorted(FINAL_MAP.items()))
        con.execute("CREATE TABLE words (word VARCHAR)")
        con.executemany("INSERT INTO words VALUES (?)", [(w,) for w, _, _ in ROWS])
        vowels = "[" + "".join(sorted(VOWELS)) + "]"
        got = con.execute(
            """
            WITH cut AS (
                SELECT w.word, coalesce(max(s.len), 0) AS n
                FROM words w
                LEFT JOIN kk_suffix s
                  ON ends_with(w.word, s.suffix)
                 AND length(w.word) - s.len >= $min_stem
                 AND regexp_matches(left(w.word, length(w.word) - s.len), $vowels)
                GROUP BY w.word
            ), rest AS (
                SELECT word, left(word, length(word) - n) AS r FROM cut
            )
            SELECT word, coalesce(left(r, length(r) - 1) || f.dst, r)
            FROM rest LEFT JOIN kk_final f ON right(r, 1) = f.src
            """,
            {"min_stem": MIN_STEM, "vowels": vowels},
        ).fetchall()
    finally:
        con.close()
    assert dict(got) == {w: stem(w) for w, _, _ in ROWS}


PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CYRILLIC_WORDS = st.text(alphabet=KAZAKH_LETTERS, max_size=24)
# Words built to end in real chains, so the longest-match rule is exercised, not just reached.
SUFFIXED_WORDS = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet=KAZAKH_LETTERS, max_size=8),
    st.sampled_from(sorted(SUFFIXES)),
)


@PROPERTY
@given(st.one_of(CYRILLIC_WORDS, SUFFIXED_WORDS))
def test_stem_is_a_prefix_with_at_most_the_final_letter_mapped(word: str) -> None:
    result = stem(word)
    assert isinstance(result, str)
    if word:
        assert result
        assert len(result) >= min(len(word), MIN_STEM)
    head, last = result[:-1], result[-1:]
    assert word.startswith(head)
    original = word[len(head) : len(result)]
    assert last == original or FINAL_MAP.get(original) == last
    assert last not in FINAL_MAP
    stem(result)  # stemming a stem is allowed to change it again, never to fail


@PROPERTY
@given(st.one_of(CYRILLIC_WORDS, SUFFIXED_WORDS))
def test_reference_agrees_on_generated_words(word: str) -> None:
    assert stem(word) == reference_stem(word)
