"""Damaged, re-encoded and non-article inputs: each one has a specific expected outcome."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from datetime import date

import ftfy.bad_codecs  # noqa: F401  (sloppy-windows-1251 codec used to make mojibake)
import pytest

from newsetl.parse.article import parse_article
from newsetl.parse.head import MAX_TITLE_CHARS
from newsetl.parse.records import Article, Rejection
from newsetl.parse.text import normalize_text
from tests.conftest import SAMPLE

SAMPLE_DIR = SAMPLE
SAMPLES = {path.name[:3]: path for path in sorted(SAMPLE_DIR.glob("*.txt"))}
KAZAKH_TEXT = SAMPLES["000"].read_text(encoding="utf-8")
KAZAKH_TITLE = (
    "Алжирдің Коммуникация министрі Қазақстан Президентінің сұхбатына қызығушылық танытты"
)
# 004 minus its one line with Kazakh letters (Бақытбекқызы), so it fits cp1251 and KOI8-R.
RUSSIAN_TEXT = "\n".join(
    line for line in SAMPLES["004"].read_text(encoding="utf-8").split("\n") if "қ" not in line
)
RUSSIAN_TITLE = (
    "МИД: Встречи с дипломатами и представителями международных организаций прошли в "
    "Казахстане и за рубежом"
)


def _article(raw: bytes, key: str = "bucket/damaged.txt") -> Article:
    result = parse_article(key, raw)
    assert isinstance(result, Article), result
    return result


def _rejection(raw: bytes, key: str = "bucket/damaged.txt") -> Rejection:
    result = parse_article(key, raw)
    assert isinstance(result, Rejection), result
    assert result.content_sha256 == hashlib.sha256(raw).hexdigest()
    assert result.doc_id == "damaged"
    assert result.reasons and all(result.reasons)
    return result


CLEAN_KAZAKH = _article(KAZAKH_TEXT.encode("utf-8"))
CLEAN_RUSSIAN = _article(RUSSIAN_TEXT.encode("utf-8"))


def _same_content(article: Article, clean: Article) -> None:
    assert article.title == clean.title
    assert article.paragraphs == clean.paragraphs
    assert article.published_date == clean.published_date
    assert article.date_source == clean.date_source
    assert article.photo_credit == clean.photo_credit
    assert article.language == clean.language


# --- encodings ----------------------------------------------------------------------------------


def test_utf8_bom() -> None:
    article = _article(b"\xef\xbb\xbf" + KAZAKH_TEXT.encode("utf-8"))
    assert article.source_encoding == "utf-8-sig"
    assert article.title == KAZAKH_TITLE
    assert article.published_date == date(2026, 1, 8)  # header still seen behind the BOM
    _same_content(article, CLEAN_KAZAKH)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    article = _article(bom + KAZAKH_TEXT.encode(codec))
    assert article.source_encoding == "utf-16"
    assert article.title == KAZAKH_TITLE
    _same_content(article, CLEAN_KAZAKH)


@pytest.mark.parametrize(("codec", "recorded"), [("cp1251", "cp1251"), ("koi8_r", "koi8-r")])
def test_legacy_russian_encodings(codec: str, recorded: str) -> None:
    article = _article(RUSSIAN_TEXT.encode(codec))
    assert article.source_encoding == recorded
    assert article.title == RUSSIAN_TITLE
    assert article.mojibake_repaired is False
    _same_content(article, CLEAN_RUSSIAN)
    assert article.agency == "KAZAKHSTAN TODAY"
    assert article.content_sha256 == hashlib.sha256(RUSSIAN_TEXT.encode(codec)).hexdigest()


@pytest.mark.parametrize(
    ("text", "clean"), [(RUSSIAN_TEXT, CLEAN_RUSSIAN), (KAZAKH_TEXT, CLEAN_KAZAKH)]
)
def test_mojibake_is_repaired_and_flagged(text: str, clean: Article) -> None:
    broken = text.encode("utf-8").decode("sloppy-windows-1251")
    assert broken.startswith((" date 2026-03-06 РњР", " date 2026-01-08 Рђ"))
    article = _article(broken.encode("utf-8"))
    assert article.mojibake_repaired is True
    assert article.source_encoding == "utf-8"
    _same_content(article, clean)


def test_mojibake_title_only() -> None:
    article = _article("РњРёРЅРёСЃС‚СЂ".encode())
    assert (article.title, article.mojibake_repaired) == ("Министр", True)


def test_crlf_with_bom() -> None:
    raw = b"\xef\xbb\xbf" + KAZAKH_TEXT.replace("\n", "\r\n").encode("utf-8")
    article = _article(raw)
    assert article.source_encoding == "utf-8-sig"
    assert "\r" not in article.body and "\r" not in (article.title or "")
    _same_content(article, CLEAN_KAZAKH)


def test_bare_cr_line_ends() -> None:
    article = _article(KAZAKH_TEXT.replace("\n", "\r").encode("utf-8"))
    _same_content(article, CLEAN_KAZAKH)


def test_nbsp_zero_width_and_soft_hyphen_are_normalised() -> None:
    lines = KAZAKH_TEXT.split("\n")
    lines[0] = lines[0].replace("Коммуникация ", "Комму\u00adникация\u00a0\u200b")
    lines[2] = "\u200b\ufeff" + lines[2].replace(" ", "\u00a0", 3) + "\u00a0\t "
    lines[3] = lines[3].replace("Мемлекет", "Мем\u00adле\u200dкет")
    article = _article("\n".join(lines).encode("utf-8"))
    assert article.title == KAZAKH_TITLE
    assert article.paragraphs == CLEAN_KAZAKH.paragraphs
    for invisible in ("\u00a0", "\u00ad", "\u200b", "\u200d", "\ufeff", "\t"):
        assert invisible not in article.body


def test_decomposed_unicode_is_composed() -> None:
    # "й" and "ё" as base letter + combining mark (NFD) must come out as single code points.
    text = "Жаңа жыл\nБиылғы мерекеде «Ёлка» және «Айгөлек» ойыны өтті.".replace(
        "й", "и\u0306"
    ).replace("Ё", "Е\u0308")
    article = _article(text.encode("utf-8"))
    assert article.body == "Биылғы мерекеде «Ёлка» және «Айгөлек» ойыны өтті."
    assert "\u0306" not in article.body


# --- not articles -------------------------------------------------------------------------------


def test_empty_file() -> None:
    rejection = _rejection(b"")
    assert rejection.status == "empty"
    assert rejection.source_encoding is None


@pytest.mark.parametrize(
    "raw",
    [b"   \n\t\r\n  ", "\u00a0\u200b\n\u3000\ufeff".encode(), "\r\n".encode("utf-16")],
    ids=["ascii", "unicode-spaces", "utf-16"],
)
def test_whitespace_only(raw: bytes) -> None:
    rejection = _rejection(raw)
    assert rejection.status == "whitespace"
    assert rejection.source_encoding is not None


def test_png_header_and_bytes() -> None:
    raw = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8
    rejection = _rejection(raw)
    assert rejection.status == "binary"
    assert "png" in rejection.reasons[0]


def test_zip_archive() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("000.txt", KAZAKH_TEXT)
    rejection = _rejection(buffer.getvalue())
    assert rejection.status == "binary"
    assert "zip" in rejection.reasons[0]


def test_other_binary_with_nuls() -> None:
    raw = bytes(range(32)) * 64 + "Қазақстан".encode()
    assert _rejection(raw).status == "binary"


# --- odd but still articles ---------------------------------------------------------------------


def test_title_only() -> None:
    article = _article("Доха форумы: Қазақстан халықаралық ынтымақтастықты нығайтуда\n".encode())
    assert article.title == "Доха форумы: Қазақстан халықаралық ынтымақтастықты нығайтуда"
    assert (article.body, article.paragraphs) == ("", [])
    assert (article.paragraph_count, article.char_count, article.word_count) == (0, 0, 0)
    assert article.language == "kk"
    assert article.date_source == "none"


def test_header_only() -> None:
    article = _article(b" date 2026-01-08")
    assert (article.title, article.published_date, article.date_source) == (
        None,
        date(2026, 1, 8),
        "header",
    )
    assert article.paragraphs == []


def test_absurdly_long_single_line() -> None:
    sentence = "Қазақстан Республикасы Сыртқы істер министрінің орынбасары форумға қатысты. "
    line = (sentence * (1_000_000 // len(sentence.encode()) + 1)).strip()
    raw = line.encode("utf-8")
    assert len(raw) > 1_000_000 and b"\n" not in raw
    started = time.perf_counter()
    article = _article(raw)
    elapsed = time.perf_counter() - started
    # Far too long to be a title: the line is the body, the title is missing.
    assert article.title is None
    assert article.paragraphs == [line]
    assert article.char_count == len(line)
    assert article.word_count == len(line.split())
    assert article.language == "kk"
    assert elapsed < 5.0


def test_long_first_line_limit() -> None:
    title = "Қ" * MAX_TITLE_CHARS
    assert _article(f"{title}\nАбзац.".encode()).title == title
    article = _article(f"{title}Қ\nАбзац.".encode())
    assert article.title is None
    assert article.paragraphs == [title + "Қ", "Абзац."]


def test_html_saved_as_txt_is_parsed_not_rejected() -> None:
    html = (
        '<!DOCTYPE html>\n<html lang="kk">\n<head><meta charset="utf-8">'
        "<title>Доха форумы</title></head>\n<body>\n"
        "<p>Қазақстан Республикасы Сыртқы істер министрінің орынбасары форумға қатысты.</p>\n"
        "</body>\n</html>\n"
    )
    article = _article(html.encode("utf-8"))
    # Since the zoned parser (issue 20) tags and entities become text before the lines are
    # read: the page's <title> heads it and each <p> is a paragraph, no tags left.
    assert article.title == "Доха форумы"
    assert article.paragraphs == [
        "Қазақстан Республикасы Сыртқы істер министрінің орынбасары форумға қатысты."
    ]
    assert "<" not in article.body
    assert (article.published_date, article.date_source) == (None, "none")


def test_malformed_header_date_keeps_the_title() -> None:
    raw = (
        " date 2026-13-45 Алжирдің Коммуникация министрі сұхбатқа қызығушылық танытты\n"
        "Сурет: gov.kz\n"
        "Қазақстанның Алжирдегі Елшісі министрмен кездесті."
    ).encode()
    article = _article(raw)
    assert article.title == "Алжирдің Коммуникация министрі сұхбатқа қызығушылық танытты"
    assert (article.published_date, article.date_source) == (None, "none")
    assert article.photo_credit == "gov.kz"
    assert article.paragraphs == ["Қазақстанның Алжирдегі Елшісі министрмен кездесті."]


def test_utf8_with_flipped_byte_still_parses_as_utf8() -> None:
    raw = bytearray(KAZAKH_TEXT.encode("utf-8"))
    raw[2001] ^= 0x40  # break one continuation byte in the body
    article = _article(bytes(raw))
    assert article.source_encoding == "utf-8"
    assert article.title == KAZAKH_TITLE
    assert article.paragraph_count == 8
    assert "\ufffd" in article.body


def test_doc_id_from_nested_key_and_windows_separators() -> None:
    raw = SAMPLES["001"].read_bytes()
    assert _article(raw, "s3://bucket/raw/2026/03/001_97a145f7f1734331.txt").doc_id == (
        "001_97a145f7f1734331"
    )
    assert _article(raw, "raw\\001_97a145f7f1734331.txt").doc_id == "001_97a145f7f1734331"


@pytest.mark.parametrize(
    ("header", "published"),
    [
        (" date 2026-13-45 Тақырып", None),
        (" date 2026-02-30 Тақырып", None),
        (" date 08.01.2026 Тақырып", date(2026, 1, 8)),
        ("date 2026-01-08T09:30:00+05:00 Тақырып", date(2026, 1, 8)),
    ],
)
def test_header_date_variants_keep_the_title(header: str, published: date | None) -> None:
    article = _article(f"{header}\nАбзац мәтіні.".encode())
    assert article.title == "Тақырып"
    assert article.published_date == published
    assert article.date_source == ("header" if published else "none")
    assert article.paragraphs == ["Абзац мәтіні."]


def test_title_starting_with_the_word_date_is_not_a_header() -> None:
    article = _article(b"Date 5 ideas for the weekend\nFirst paragraph.")
    assert article.title == "Date 5 ideas for the weekend"
    assert article.date_source == "none"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("а\r\nб\rв\nг", "а\nб\nв\nг"),
        ("Қазақстан\u00a0Республикасы", "Қазақстан Республикасы"),
        ("тар\u2009ау\u202fжәне\u3000тағы\tда", "тар ау және тағы да"),
        ("мем\u00adле\u200bкет\u200c\u200d\u2060\ufeff", "мемлекет"),
        ("жол   \nжол\t\n\n  ", "жол\nжол"),
        ("и\u0306", "й"),
        ("  date 2026-01-08", "  date 2026-01-08"),  # leading spaces are kept
        ("a\x00b\x07c\x1bd", "abcd"),
        ("жол\u2028жол\u2029жол", "жол\nжол\nжол"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_normalize_text_leaves_clean_text_identical() -> None:
    assert normalize_text(KAZAKH_TEXT) == KAZAKH_TEXT.rstrip()
