"""Property tests: any bytes give an Article or a Rejection, never an exception."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsetl.parse.article import doc_id_from_key, parse_article
from newsetl.parse.language import warm_up
from newsetl.parse.records import Article, Rejection
from tests.conftest import SAMPLE

SAMPLES = [p.read_bytes() for p in sorted((SAMPLE).glob("*.txt"))]
STATUSES = {"binary", "undecodable", "empty", "whitespace"}
DATE_SOURCES = {"header", "byline", "above_title", "below_title", "dateline", "none"}
LAYOUTS = {"header", "title", "title_date", "date_title", "page", "wire", "none"}
PROFILE = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

warm_up()  # build lingua once, outside the timed examples


def check(raw: bytes, key: str = "prop/sample.txt") -> Article | Rejection:
    result = parse_article(key, raw)
    assert isinstance(result, Article | Rejection)
    assert result.key == key
    assert result.doc_id == "sample"
    assert result.content_sha256 == hashlib.sha256(raw).hexdigest()
    if isinstance(result, Rejection):
        assert result.status in STATUSES
        assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)
        assert (result.status == "empty") == (raw == b"")
        assert not result.reasons[0].startswith("parser error"), result.reasons
        return result
    assert raw != b""
    assert result.paragraph_count == len(result.paragraphs)
    assert result.body == "\n".join(result.paragraphs)
    assert result.char_count == len(result.body)
    assert result.word_count == len(result.body.split())
    assert all(p and p == p.strip() and "\n" not in p for p in result.paragraphs)
    assert "\r" not in result.body and "\u00a0" not in result.body and "\u200b" not in result.body
    assert result.title is None or (result.title and "\n" not in result.title)
    assert result.date_source in DATE_SOURCES
    assert (result.published_date is None) == (result.date_source == "none")
    assert result.published_at is None or (
        result.published_at.tzinfo is not None
        and result.published_at.date() == result.published_date
    )
    assert result.layout in LAYOUTS
    if result.layout in {"title", "title_date"}:
        assert result.title is not None
    if result.layout == "none":
        assert result.title is None
    assert result.author is None or (result.author and "\n" not in result.author)
    assert result.language in {None, "kk", "ru", "en"}
    assert 0.0 <= result.language_confidence <= 1.0
    assert (result.language is None) == (result.language_confidence == 0.0)
    assert result.source_encoding
    assert result.views is None or result.views >= 0
    assert len(set(result.mixed_script_tokens)) == len(result.mixed_script_tokens)
    return result


@PROFILE
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@PROFILE
@given(st.text(max_size=2000))
def test_arbitrary_utf8_text(text: str) -> None:
    result = check(text.encode("utf-8"))
    if isinstance(result, Rejection):
        assert result.status in {"empty", "whitespace", "binary"}


def _mutate(data: st.DataObject, raw: bytes) -> bytes:
    buffer = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 8), label="mutations")):
        kind = data.draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete"]))
        if not buffer:
            buffer.extend(data.draw(st.binary(min_size=1, max_size=16)))
            continue
        at = data.draw(st.integers(0, len(buffer) - 1), label="offset")
        if kind == "flip":
            buffer[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "set":
            buffer[at] = data.draw(st.integers(0, 255))
        elif kind == "truncate":
            del buffer[at:]
        elif kind == "insert":
            insert = data.draw(
                st.one_of(
                    st.binary(min_size=1, max_size=64),
                    st.sampled_from(
                        [
                            b"\r\n",
                            b"\xef\xbb\xbf",
                            b"\x00",
                            b"\xc2\xa0",
                            b"\n\n",
                            b" date 2026-13-45 ",
                        ]
                    ),
                )
            )
            buffer[at:at] = insert
        else:
            del buffer[at : at + data.draw(st.integers(1, 256))]
    return bytes(buffer)


@PROFILE
@given(st.sampled_from(range(len(SAMPLES))), st.data())
def test_mutated_samples(index: int, data: st.DataObject) -> None:
    check(_mutate(data, SAMPLES[index]))


@PROFILE
@given(
    st.sampled_from(range(len(SAMPLES))), st.sampled_from(["utf-16", "cp1251", "koi8_r"]), st.data()
)
def test_mutated_reencoded_samples(index: int, codec: str, data: st.DataObject) -> None:
    raw = SAMPLES[index].decode("utf-8").encode(codec, errors="replace")
    check(_mutate(data, raw))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(range(len(SAMPLES))), st.integers(0, 12_000))
def test_truncated_samples_keep_their_title(index: int, cut: int) -> None:
    clean = parse_article("prop/sample.txt", SAMPLES[index])
    assert isinstance(clean, Article) and clean.title
    raw = SAMPLES[index][:cut]
    result = check(raw)
    first_line_end = SAMPLES[index].find(b"\n", SAMPLES[index].find(clean.title.encode()))
    if isinstance(result, Article) and cut > first_line_end + 1 and index != 3:
        assert result.title == clean.title


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab.\\/ ä_-", max_size=30))
def test_doc_id_is_the_path_stem(key: str) -> None:
    assert doc_id_from_key(key) == PurePosixPath(key.replace("\\", "/")).stem
