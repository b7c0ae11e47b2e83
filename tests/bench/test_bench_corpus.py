"""The bench corpus is only worth its numbers if it is what it claims: deterministic, ~1% hostile,
60/40 Kazakh/Russian in the four sample layouts, 1-20 KB, an archive of ten years and more.
Checked by parsing the files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.corpus import (
    FIRST_DAY,
    HOSTILE_KINDS,
    LAST_DAY,
    LAYOUTS,
    MAX_BYTES,
    MIN_BYTES,
    build,
    generate,
    spec_of,
)
from newsetl.parse.article import parse_article
from newsetl.parse.records import Article, Rejection

N = 200
SEED = 7


def files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Relative path -> bytes of a generated corpus of N files."""
    directory = tmp_path_factory.mktemp("corpus")
    stats = generate(directory, N, SEED)
    assert stats.files == N
    assert sum(stats.hostile.values()) == N // 100
    return files(directory)


def layout_of(article: Article) -> str:
    """Which of the four layouts the parser saw, from what only that layout yields."""
    if article.section is not None:
        return "newspaper"
    if article.dateline_place is not None:
        return "wire"
    return "header" if article.date_source == "header" else "plain"


def test_same_seed_same_bytes_other_seed_other_bytes(corpus, tmp_path: Path) -> None:
    first = corpus
    generate(tmp_path / "again", N, SEED)
    generate(tmp_path / "other", N, SEED + 1)
    assert files(tmp_path / "again") == first
    other = files(tmp_path / "other")
    assert len(other) == N
    assert not set(other.values()) & {data for data in first.values() if len(data) > 100}


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(corpus, tmp_path: Path) -> None:
    """The bench's bucket subset must hold the very same articles as its directory corpus."""
    full = corpus
    generate(tmp_path / "small", N // 2, SEED)
    small = files(tmp_path / "small")
    assert len(small) == N // 2
    assert all(full[key] == data for key, data in small.items())


def test_new_articles_added_to_a_corpus_are_the_same_as_writing_it_at_once(
    corpus, tmp_path: Path
) -> None:
    """The bench's hourly runs add articles start..n-1 to an archive of `start` written before."""
    generate(tmp_path / "grown", N // 2, SEED)
    added = generate(tmp_path / "grown", N, SEED, start=N // 2)
    assert added.files == N - N // 2
    assert files(tmp_path / "grown") == corpus


def test_publication_dates_span_at_least_ten_years(corpus) -> None:
    """A real archive, not three years: dates read back from the files, keys by year."""
    specs = {s.key: s for s in (spec_of(SEED, i) for i in range(N))}
    published = []
    for key, data in corpus.items():
        spec = specs[key]
        if spec.hostile or spec.layout == "plain":  # plain articles carry no date
            continue
        article = parse_article(key, data)
        assert FIRST_DAY <= article.published_date <= LAST_DAY, key
        published.append(article.published_date)
    first, last = min(published), max(published)
    assert (last - first).days >= 3652, (first, last)  # ten years of 365.25 days
    years = {key.split("/", 1)[0] for key in corpus}
    assert len(years) >= 10, sorted(years)


def test_one_hostile_object_per_hundred_every_kind_in_rotation() -> None:
    specs = [spec_of(SEED, i) for i in range(len(HOSTILE_KINDS) * 100)]
    hostile = Counter(s.hostile for s in specs if s.hostile)
    assert sum(hostile.values()) == len(HOSTILE_KINDS)
    assert set(hostile) == set(HOSTILE_KINDS)


def test_languages_layouts_and_sizes_come_out_as_designed(corpus) -> None:
    written = corpus
    specs = {s.key: s for s in (spec_of(SEED, i) for i in range(N))}
    assert set(written) == set(specs)
    languages: Counter[str] = Counter()
    layouts: Counter[str] = Counter()
    for key, data in written.items():
        spec = specs[key]
        if spec.hostile:
            continue
        assert MIN_BYTES <= len(data) <= MAX_BYTES, key
        article = parse_article(key, data)
        assert isinstance(article, Article), key
        assert article.language == spec.language, (key, article.title)
        assert layout_of(article) == spec.layout, key
        assert article.title and article.char_count >= 200
        assert not article.mixed_script_tokens, key
        if spec.layout != "plain":
            assert article.published_date == spec.published, key
        languages[article.language] += 1
        layouts[layout_of(article)] += 1
    total = sum(languages.values())
    assert total == N - sum(1 for s in specs.values() if s.hostile) == N - N // 100
    assert 0.5 <= languages["kk"] / total <= 0.7
    assert set(layouts) == set(LAYOUTS)
    sizes = sorted(len(d) for k, d in written.items() if not specs[k].hostile)
    assert 3_500 <= sizes[len(sizes) // 2] <= 7_000  # most around 5 KB


def _example(kind: str) -> tuple[Article | Rejection, object]:
    index = next(i for i in range(2_000) if spec_of(SEED, i).hostile == kind)
    spec, data = build(SEED, index)
    if kind not in ("empty", "whitespace", "png", "title_only"):
        assert MIN_BYTES <= len(data) <= MAX_BYTES, kind
    return parse_article(spec.key, data), spec


@pytest.mark.parametrize(
    ("kind", "status"), [("empty", "empty"), ("whitespace", "whitespace"), ("png", "binary")]
)
def test_hostile_non_articles_are_rejected_as_designed(kind: str, status: str) -> None:
    result, _ = _example(kind)
    assert isinstance(result, Rejection)
    assert result.status == status


@pytest.mark.parametrize(
    ("kind", "encoding"),
    [("utf16", "utf-16"), ("cp1251", "cp1251"), ("koi8r", "koi8-r"), ("crlf_bom", "utf-8-sig")],
)
def test_hostile_encodings_decode_to_the_designed_language(kind: str, encoding: str) -> None:
    result, spec = _example(kind)
    assert isinstance(result, Article)
    assert result.source_encoding == encoding
    assert result.language == spec.language
    assert result.char_count >= 200


def test_hostile_articles_carry_the_designed_defect() -> None:
    mojibake, _ = _example("mojibake")
    assert mojibake.mojibake_repaired and mojibake.language == "ru"
    assert _example("title_only")[0].char_count == 0
    assert _example("future_date")[0].published_date.year == 2099
    bad_date, _ = _example("bad_date")
    assert bad_date.published_date is None and bad_date.title
    assert _example("homoglyph")[0].mixed_script_tokens
    duplicate, spec = _example("duplicate")
    original = [build(SEED, i)[1] for i in (spec.index - 2, spec.index - 1)]
    assert any(parse_article("x", o).content_sha256 == duplicate.content_sha256 for o in original)
    cyrillic, spec = _example("cyrillic_key")
    assert " " in spec.key and "мақала" in spec.key
    assert isinstance(cyrillic, Article) and cyrillic.language == spec.language
