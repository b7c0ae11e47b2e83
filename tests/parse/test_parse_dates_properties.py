"""Property tests: whatever surrounds a title, the parser never reports a date the text lacks."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsetl.parse.article import parse_article
from newsetl.parse.dates import find_date, month_from_word
from newsetl.parse.language import warm_up
from newsetl.parse.records import Article
from tests.parse.test_parse_families import DATE_LINES

PROFILE = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

warm_up()

# Words that come close to a date line: month names in both languages and their abbreviations,
# labels, weekdays, year words, separators, markdown marks, relative days; and ordinary words.
NEAR_MISS = """
наурыз наурызда ақпан желтоқсан қаңтардағы мамыр марта март мар. фев сент. декабря
Дата публикации: Опубликовано: Жарияланды: Обновлено: Жаңартылды: Дата: Күні:
вторник Сейсенбі пт жұма г. года ж. жылғы жылы жыл в сағ. UTC GMT Z T
• · | , . : - – — / * ** _ # ( ) Сегодня Вчера Бүгін Кеше
Автор: Дайындаған: Фото: Сурет: Sputnik KAZINFORM ҚазАқпарат Астана. АСТАНА,
"""
ORDINARY = """
Үкімет бюджет жобасын мақұлдады Правительство одобрило проект бюджета на три
Қазақстан Республикасы Сенат депутаттары Президент встреча өтті прошла
"""
NEAR_MISS_WORDS = NEAR_MISS.split()
WORDS = ORDINARY.split()
NUMBERS = st.one_of(
    st.integers(0, 2100).map(str),
    st.integers(0, 99).map(lambda n: f"{n:02d}"),
    st.sampled_from(["05.03.2026", "2026-03-05", "14:30", "+05:00", "12.02", "31.04.2026"]),
    st.builds(
        lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}",
        st.integers(0, 40),
        st.integers(0, 14),
        st.integers(1990, 2030),
        st.sampled_from([".", "/", "-"]),
    ),
)
LETTERS = st.text(
    alphabet="абвгдеикмнорстуяәғқңөұүһіabcdeqäğñöşūüı .,:-—•|*#", min_size=1, max_size=10
)
TOKENS_WITHOUT_DIGITS = st.one_of(st.sampled_from(NEAR_MISS_WORDS + WORDS), LETTERS)
TOKENS = st.one_of(TOKENS_WITHOUT_DIGITS, NUMBERS)


def _lines(tokens: st.SearchStrategy[str], max_lines: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.lists(tokens, min_size=1, max_size=8).map(" ".join), max_size=max_lines)


def _mentions(text: str, day: date) -> bool:
    """Whether `text` writes this day's year, day and month (as a number or a month word)."""
    if str(day.year) not in text:
        return False
    if not re.search(rf"(?<!\d)0?{day.day}(?!\d)", text):
        return False
    if re.search(rf"(?<!\d)0?{day.month}(?!\d)", text):
        return True
    return any(month_from_word(word) == day.month for word in re.findall(r"[^\W\d_]+", text))


def _parse(text: str) -> Article | None:
    result = parse_article("prop/dates.txt", text.encode("utf-8"))
    return result if isinstance(result, Article) else None


@PROFILE
@given(st.lists(TOKENS, min_size=1, max_size=12).map(" ".join))
def test_find_date_only_returns_dates_written_in_the_line(line: str) -> None:
    found = find_date(line)
    if found is not None:
        assert _mentions(line, found.date), (line, found)


@PROFILE
@given(_lines(TOKENS, 4), st.sampled_from(WORDS), _lines(TOKENS, 6), _lines(TOKENS, 3))
def test_random_heads_never_invent_a_publication_date(
    before: list[str], title: str, after: list[str], body: list[str]
) -> None:
    text = "\n".join([*before, title, *after, *body])
    article = _parse(text)
    if article is None or article.published_date is None:
        return
    assert _mentions(text, article.published_date), (text, article.published_date)
    moment = article.published_at
    assert moment is None or (moment.tzinfo is not None and moment.date() == article.published_date)


@PROFILE
@given(
    st.sampled_from(DATE_LINES),
    _lines(TOKENS_WITHOUT_DIGITS, 3),
    st.sampled_from(WORDS),
    _lines(TOKENS_WITHOUT_DIGITS, 3),
    _lines(TOKENS_WITHOUT_DIGITS, 4),
)
def test_a_date_line_among_random_lines_gives_its_date_or_none(
    case: tuple[str, date, object],
    before: list[str],
    title: str,
    between: list[str],
    body: list[str],
) -> None:
    line, expected, _ = case
    text = "\n".join([*before, title, *between, line, *body])
    article = _parse(text)
    assert article is not None
    assert article.published_date in (None, expected), (text, article.published_date)


@PROFILE
@given(st.sampled_from(DATE_LINES), st.sampled_from(WORDS), _lines(TOKENS_WITHOUT_DIGITS, 4))
def test_a_date_line_right_under_the_title_is_always_found(
    case: tuple[str, date, object], title: str, body: list[str]
) -> None:
    line, expected, moment = case
    article = _parse("\n".join([title, line, *body]))
    assert article is not None
    assert (article.published_date, article.published_at) == (expected, moment)
    assert line not in article.paragraphs
