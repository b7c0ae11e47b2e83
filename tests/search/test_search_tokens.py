"""The query side (SQL macros in the lake) tokenises and stems exactly as the indexer (Python in
the parse workers) does: otherwise a query would miss the articles it names."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsetl.common.catalog import Catalog
from newsetl.lake import connection, migrations
from newsetl.search import kazakh
from newsetl.search.index import index_frames
from newsetl.search.tokens import query_terms, terms, words
from tests.conftest import SAMPLE

KAZAKH_LETTERS = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
RUSSIAN_LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
ODD = " \t\n«»—–-.,:;!?№()\"'0123456789\u0301\u00ad\u200b\u00a0ẞİ"
TEXT = st.text(alphabet=KAZAKH_LETTERS + RUSSIAN_LETTERS + ODD + "abcXYZ", max_size=60)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connection.connect(Catalog.parse(tmp_path_factory.mktemp("lake") / "news.sqlite"))
    migrations.prepare(con)
    yield con
    con.close()


def sql_terms(con: duckdb.DuckDBPyConnection, query: str) -> set[tuple[str, str]]:
    rows = con.execute(
        "SELECT lang, term FROM newsetl_internal.search_terms(?)", [query]
    ).fetchall()
    return set(rows)


@settings(max_examples=80, deadline=None)
@given(TEXT)
def test_sql_and_python_find_the_same_terms(lake: duckdb.DuckDBPyConnection, text: str) -> None:
    assert sql_terms(lake, text) == query_terms(text)


def test_the_sample_vocabulary_stems_alike_in_sql_and_python(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    sample = SAMPLE
    vocabulary = sorted({w for f in sample.glob("*.txt") for w in words(f.read_text("utf-8"))})
    assert len(vocabulary) > 1000
    rows = lake.execute(
        "SELECT w, stem(w, 'russian'), newsetl_internal.kk_stem(w) "
        "FROM unnest(?::VARCHAR[]) AS t(w)",
        [vocabulary],
    ).fetchall()
    from newsetl.search.tokens import stem_kk, stem_ru

    mismatched = [(w, ru, kk) for w, ru, kk in rows if (ru, kk) != (stem_ru(w), stem_kk(w))]
    assert mismatched == []


def test_words_split_on_anything_but_letters_and_digits() -> None:
    assert words("ӘҒҚҢӨҰҮҺІ әғқңөұүһі, Ёлка-ЖЁЛТЫЙ: «Екі» — №5 AIF 2026") == [
        "әғқңөұүһі",
        "әғқңөұүһі",
        "ёлка",
        "жёлтый",
        "екі",
        "5",
        "aif",
        "2026",
    ]
    assert words("диплома\u0301тов До\u00adха") == ["дипломатов", "доха"]


def test_terms_count_stems_and_leave_out_stopwords() -> None:
    assert terms("Сенатор сенаторымен және сенаторы", "kk") == {kazakh.stem("сенатор"): 3}
    assert terms("Дипломаты и дипломатов", "ru") == {"дипломат": 2}


def test_index_frames_give_one_posting_per_article_and_term() -> None:
    docs, postings = index_frames(
        [
            ("a.txt", "Доха форумы", "Доха форумында", "kk"),
            ("b.txt", "Встреча", "Дипломаты встретились", "ru"),
            ("c.txt", None, "Text in English", None),
        ]
    )
    assert docs.rows() == [("a.txt", "kk", 4), ("b.txt", "ru", 3), ("c.txt", "kk", 3)]
    a = dict(postings.filter(postings["key"] == "a.txt").select("term", "tf").iter_rows())
    assert a == {"доха": 2, kazakh.stem("форумы"): 2}
    assert postings.group_by("key", "term").len()["len"].max() == 1


def test_the_word_class_is_letters_and_digits_for_every_known_character() -> None:
    """words() finds words with `re`'s [^\\W_]; the query side (RE2) and the `regex` module use
    \\p{L} and \\p{N}. They agree on every character of Python's Unicode database."""
    import re
    import sys
    import unicodedata

    import regex

    ours, theirs = re.compile(r"[^\W_]"), regex.compile(r"[\p{L}\p{N}]")
    differ = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if unicodedata.category(chr(cp)) != "Cn"
        and bool(ours.match(chr(cp))) != bool(theirs.match(chr(cp)))
    ]
    assert differ == []


def test_words_remove_marks_the_quick_search_does_not_see_too() -> None:
    """The `re` pre-search only decides whether `regex` looks for marks: a mark beyond the BMP
    (U+1D167 combining tremolo, U+E0001 language tag) is removed as one inside it is."""
    assert words("До\u00adха Ва\U0001d167ня \U000e0001Ақ\u0301тау") == ["доха", "ваня", "ақтау"]
    assert words("Доха \U0001f600 Ваня") == ["доха", "ваня"]


def test_the_quick_mark_search_finds_every_mark_of_the_bmp() -> None:
    import regex

    from newsetl.search.tokens import _BMP_MARKS

    marks = regex.compile(r"[\p{Mn}\p{Cf}]")
    missed = [
        hex(cp)
        for cp in range(0x10000)
        if marks.match(chr(cp)) is not None and _BMP_MARKS.match(chr(cp)) is None
    ]
    assert missed == []
