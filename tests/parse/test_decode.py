"""Byte decoding: BOMs, legacy Cyrillic code pages, binary sniffing, mojibake repair."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # registers the sloppy-windows-1251 codec used to make mojibake
import pytest

from newsetl.parse.decode import Decoded, DecodeFailure, decode_bytes, repair_mojibake
from tests.conftest import SAMPLE

SAMPLES = sorted((SAMPLE).glob("*.txt"))
KAZAKH = SAMPLES[0].read_text(encoding="utf-8")
# 004 without its one line holding Kazakh letters, so it fits the Russian-only code pages.
RUSSIAN = "\n".join(
    line
    for line in SAMPLES[4].read_text(encoding="utf-8").split("\n")
    if "қ" not in line and "ұ" not in line
)


def _decoded(raw: bytes) -> Decoded:
    result = decode_bytes(raw)
    assert isinstance(result, Decoded), result
    return result


def _failure(raw: bytes) -> DecodeFailure:
    result = decode_bytes(raw)
    assert isinstance(result, DecodeFailure), result
    return result


def test_clean_utf8_is_returned_as_is() -> None:
    result = _decoded(KAZAKH.encode("utf-8"))
    assert (result.text, result.encoding, result.mojibake_repaired) == (KAZAKH, "utf-8", False)


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (b"\xef\xbb\xbf" + KAZAKH.encode("utf-8"), "utf-8-sig"),
        (KAZAKH.encode("utf-16"), "utf-16"),
        (b"\xff\xfe" + KAZAKH.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + KAZAKH.encode("utf-16-be"), "utf-16"),
        (KAZAKH.encode("utf-32"), "utf-32"),
    ],
    ids=["utf-8-bom", "utf-16-native", "utf-16-le-bom", "utf-16-be-bom", "utf-32-bom"],
)
def test_byte_order_marks(raw: bytes, encoding: str) -> None:
    result = _decoded(raw)
    assert result.encoding == encoding
    assert result.text == KAZAKH  # BOM itself not part of the text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_text_not_binary(codec: str) -> None:
    result = _decoded(RUSSIAN.encode(codec))
    assert result.encoding == codec
    assert result.text == RUSSIAN


@pytest.mark.parametrize(
    ("codec", "expected"),
    [("cp1251", "cp1251"), ("koi8_r", "koi8-r"), ("cp866", "cp866"), ("iso8859_5", "iso8859-5")],
)
def test_legacy_russian_code_pages(codec: str, expected: str) -> None:
    result = _decoded(RUSSIAN.encode(codec))
    assert result.encoding == expected
    assert result.text == RUSSIAN


def test_legacy_kazakh_code_page() -> None:
    result = _decoded(KAZAKH.encode("kz1048"))
    assert result.encoding in {"kz1048", "ptcp154"}  # identical for these letters
    assert result.text == KAZAKH


def test_short_cp1251_title_is_still_found() -> None:
    title = "МИД: Встречи с дипломатами и представителями международных организаций"
    assert _decoded(title.encode("cp1251")) == Decoded(title, "cp1251", False)


def test_utf8_with_a_broken_byte_stays_utf8() -> None:
    raw = bytearray(KAZAKH.encode("utf-8"))
    raw[1001] = 0xFF  # inside a two-byte Cyrillic letter
    result = _decoded(bytes(raw))
    assert result.encoding == "utf-8"
    assert result.text.count("\ufffd") in (1, 2)
    assert result.text.startswith(" date 2026-01-08 Алжирдің")


def test_utf8_cut_inside_a_character_stays_utf8() -> None:
    raw = KAZAKH.rstrip("\n.").encode("utf-8")[:-1]  # ends with half of "ы"
    result = _decoded(raw)
    assert result.encoding == "utf-8"
    assert result.text.endswith("\ufffd")


def test_cp1252_western_text_is_not_forced_into_cyrillic() -> None:
    text = "Café crème à la française, naïve façade — déjà vu."
    assert _decoded(text.encode("cp1252")).text == text


def test_png_is_binary() -> None:
    failure = _failure(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert failure.status == "binary"
    assert "png" in failure.reason


def test_zip_is_binary() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.txt", KAZAKH)
    failure = _failure(buffer.getvalue())
    assert (failure.status, failure.reason) == ("binary", "zip signature")


def test_pdf_is_binary() -> None:
    assert _failure(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n").status == "binary"


def test_control_bytes_are_binary() -> None:
    failure = _failure(b"\x00\x01\x02\x03" * 200 + "Қазақстан".encode())
    assert failure.status == "binary"
    assert "NUL" in failure.reason


def test_a_stray_nul_in_text_is_not_binary() -> None:
    raw = KAZAKH.encode("utf-8")
    result = _decoded(raw[:600] + b"\x00" + raw[600:])
    assert result.encoding == "utf-8"


def test_high_bytes_noise_is_undecodable() -> None:
    # Deterministic noise of high bytes only: no control bytes, so not "binary", and no code page
    # turns it into sensible text.
    noise = bytes((i * 7919 + 13) % 128 + 128 for i in range(3000))
    assert _failure(noise).status == "undecodable"


def test_empty_bytes_decode_to_empty_text() -> None:
    assert _decoded(b"") == Decoded("", "utf-8", False)


# --- mojibake -----------------------------------------------------------------------------------


def _mojibake(text: str) -> str:
    """UTF-8 read as cp1251 (undefined 0x98 kept, as Windows tools do)."""
    return text.encode("utf-8").decode("sloppy-windows-1251")


def test_mojibake_word_from_the_brief() -> None:
    assert repair_mojibake("РњРёРЅРёСЃС‚СЂ") == ("Министр", True)


@pytest.mark.parametrize("text", [KAZAKH, RUSSIAN], ids=["kazakh", "russian"])
def test_mojibake_article_is_repaired(text: str) -> None:
    result = _decoded(_mojibake(text).encode("utf-8"))
    assert result.encoding == "utf-8"
    assert result.mojibake_repaired is True
    assert result.text == text


def test_cp1252_mojibake_is_repaired() -> None:
    broken = KAZAKH.encode("utf-8").decode("sloppy-windows-1252")
    assert repair_mojibake(broken) == (KAZAKH, True)


def test_mixed_clean_and_mojibake_lines() -> None:
    text = "Министр иностранных дел\nРњРёРЅРёСЃС‚СЂ РёРЅРѕСЃС‚СЂР°РЅРЅС‹С… РґРµР»"
    assert repair_mojibake(text) == ("Министр иностранных дел\nМинистр иностранных дел", True)


def test_short_mojibake_line_that_ftfy_leaves_alone_is_repaired() -> None:
    # Measured: ftfy.fix_encoding does not touch this on its own, hence the targeted fallback.
    assert ftfy.fix_encoding("2 РјРёРЅ") == "2 РјРёРЅ"
    assert repair_mojibake("2 РјРёРЅ") == ("2 мин", True)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_clean_samples_are_not_touched(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert repair_mojibake(text) == (text, False)


@pytest.mark.parametrize(
    "text",
    [
        "Сіз бүгін Рёрих туралы не білесіз?",  # Р followed by ё, С followed by і
        "Температура +25°С, ауа райы ашық, Сёмга — 2 500 теңге",
        "Сәуір айында «Самұрық-Қазына» µ-тест өткізді",
        "РФ СІМ басшысы Т. Ұлықбек",
    ],
)
def test_clean_text_with_mojibake_lookalike_characters_is_not_touched(text: str) -> None:
    assert repair_mojibake(text) == (text, False)
