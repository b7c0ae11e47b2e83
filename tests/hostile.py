"""A corpus of damaged objects, each with where it must end and why. Built in code from the
samples so the repository carries no 5 MB file or binary blob."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from tests.conftest import SAMPLE


@dataclass(frozen=True)
class Hostile:
    key: str
    body: bytes
    destination: str  # articles | quarantine | ignored
    why: str  # the expectation (or rule) that decides it


def sample(name: str) -> str:
    path = next(SAMPLE.glob(f"{name}_*.txt"))
    return path.read_text(encoding="utf-8")


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _encodable(text: str, *codecs: str) -> bool:
    try:
        for codec in codecs:
            text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def corpus() -> list[Hostile]:
    kk, ru = sample("000"), sample("004")
    # Legacy single-byte encodings have no Kazakh letters: keep the lines they can carry.
    ru_legacy = "\n".join(
        line for line in ru.splitlines() if line.isascii() or _encodable(line, "cp1251", "koi8-r")
    )
    ru_plain = "\n".join(ru_legacy.splitlines()[:1] + ru_legacy.splitlines()[2:])  # no photo line
    mojibake = ru.encode("utf-8").decode("cp1251", errors="replace").encode("utf-8")
    long_paragraph = sample("002").splitlines()[2]
    huge = "\n".join(
        [kk.splitlines()[0], *([long_paragraph] * (5_000_000 // len(long_paragraph.encode())))]
    )
    homoglyph = kk.replace("Қазақстан", "Kазақстaн")  # Latin K and a
    future = kk.replace(" date 2026-01-08", " date 2031-05-01", 1)
    bad_date = kk.replace(" date 2026-01-08", " date 2026-13-45", 1)
    title_only = kk.splitlines()[0] + "\n"
    return [
        Hostile("incoming/empty.txt", b"", "quarantine", "content_not_empty"),
        Hostile("incoming/blank.txt", b" \n\t\n  \r\n", "quarantine", "content_not_empty"),
        Hostile("incoming/photo.txt", png(), "quarantine", "content_decodable"),
        Hostile("incoming/title_only.txt", title_only.encode(), "quarantine", "body_min_length"),
        Hostile("incoming/utf16.txt", kk.encode("utf-16"), "articles", "UTF-16 with BOM decodes"),
        Hostile("incoming/cp1251.txt", ru_plain.encode("cp1251"), "articles", "cp1251 detected"),
        Hostile("incoming/koi8r.txt", ru_legacy.encode("koi8-r"), "articles", "KOI8-R detected"),
        Hostile("incoming/mojibake.txt", mojibake, "articles", "no_mojibake_repaired"),
        Hostile(
            "incoming/crlf_bom.txt",
            b"\xef\xbb\xbf" + sample("002").replace("\n", "\r\n").encode(),
            "articles",
            "CRLF and BOM normalised",
        ),
        Hostile(
            "incoming/huge.txt", huge.encode(), "articles", "a 5 MB article is still an article"
        ),
        Hostile("incoming/future.txt", future.encode(), "articles", "published_date_in_range"),
        Hostile("incoming/bad_date.txt", bad_date.encode(), "articles", "published_date_present"),
        Hostile("incoming/copy_of_000.txt", kk.encode(), "articles", "not_duplicate"),
        Hostile(
            "incoming/homoglyphs.txt", homoglyph.encode(), "articles", "no_mixed_script_tokens"
        ),
        Hostile(
            "incoming/жаңа мақала 2026.txt",
            sample("001").encode(),
            "articles",
            "a key with spaces and Cyrillic letters",
        ),
        Hostile("incoming/_SUCCESS", b"", "ignored", "pattern *.txt"),
        Hostile("incoming/manifest.json", b'{"files": 20}', "ignored", "pattern *.txt"),
    ]
