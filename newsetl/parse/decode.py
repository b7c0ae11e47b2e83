"""Turn raw object bytes into text, or say why they are not text.

The bucket is mostly UTF-8, so strict UTF-8 is tried first and the expensive charset detection
(charset-normalizer) only runs when that fails. Mojibake (UTF-8 Cyrillic once decoded as cp1251
or cp1252 and saved again) is repaired here, before normalisation would destroy the evidence
(NBSP and soft hyphen are part of the mojibake alphabet).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
import ftfy.bad_codecs  # registers the sloppy-windows-125x codecs
from charset_normalizer import from_bytes

# Legacy encodings a Kazakh/Russian newsroom could plausibly have used, plus cp1252 so that
# Western text is not forced into a Cyrillic code page. Restricting candidates makes
# charset-normalizer faster and stops exotic guesses (cp1125 for cp866, cp1250 for cp1251).
LEGACY_CANDIDATES: tuple[str, ...] = (
    "cp1251",
    "koi8_r",
    "koi8_u",
    "kz1048",
    "ptcp154",
    "cp866",
    "iso8859_5",
    "mac_cyrillic",
    "cp1252",
    "utf_16",
)

# Single-byte code pages that decode Russian letters identically; when charset-normalizer picks
# one of the Kazakh-capable variants for text that cp1251 decodes the same way, report cp1251.
_CP1251_TWINS = frozenset({"kz1048", "ptcp154"})

# Signatures of common binary formats (hand-written: no maintained sniffing library is a
# project dependency, and these few prefixes are stable file-format facts).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
    (b"\x7fELF", "elf"),
    (b"SQLite format 3\x00", "sqlite"),
)

# The signatures by their first byte: most objects open with a byte no signature opens with.
_MAGIC_BY_FIRST_BYTE: dict[bytes, tuple[tuple[bytes, str], ...]] = {}
for _signature, _name in _MAGIC:
    _MAGIC_BY_FIRST_BYTE[_signature[:1]] = (
        *_MAGIC_BY_FIRST_BYTE.get(_signature[:1], ()),
        (_signature, _name),
    )

_SNIFF_BYTES = 8192
# Share of control bytes (NUL included, TAB/LF/CR/FF/VT excluded) above which a file is binary.
# Random bytes have about 11 %; real text has none, or a stray one.
_MAX_CONTROL_SHARE = 0.02
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])
_NON_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)

# A UTF-8 file with a few broken bytes (a flipped bit, a cut multibyte character) is still
# UTF-8: decode it with U+FFFD rather than letting charset detection guess a code page.
_MAX_REPLACEMENT_SHARE = 0.01

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)

# Mojibake alphabets: what UTF-8 continuation bytes 0x80-0xBF look like in cp1251 / cp1252.
# UTF-8 Cyrillic lead bytes D0-D3 become Р С Т У in cp1251 and Ð Ñ Ò Ó in cp1252.
_CONT_1251 = re.escape(bytes(range(0x80, 0xC0)).decode("sloppy-windows-1251"))
_CONT_1252 = re.escape(bytes(range(0x80, 0xC0)).decode("sloppy-windows-1252"))
# Two mojibake pairs in a row never occur in clean Kazakh or Russian, so this gates ftfy, whose
# own badness check costs ~0.5 ms per 5 KB article.
_MOJIBAKE_GATE = re.compile(f"(?:[РСТУ][{_CONT_1251}]){{2}}|(?:[ÐÑÒÓ][{_CONT_1252}]){{2}}")
# The gate regex itself costs ~0.3 ms on 5 KB of Cyrillic, so it only runs when the text holds
# one of these characters: the second halves of mojibake а, о, е, т, с, н (cp1251), and the
# cp1252 reading of the lead bytes D0/D1. Substring tests cost well under a microsecond each.
_MOJIBAKE_HINTS = ("°", "ѕ", "µ", "‚", "Ѓ", "Ѕ", "Ð", "Ñ")
_MOJIBAKE_RUNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(f"(?:[РСТУ][{_CONT_1251}])+"), "sloppy-windows-1251"),
    (re.compile(f"(?:[ÐÑÒÓ][{_CONT_1252}])+"), "sloppy-windows-1252"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text and how it was obtained."""

    text: str
    encoding: str  # Python codec name, e.g. utf-8, utf-8-sig, utf-16, cp1251, koi8-r
    mojibake_repaired: bool = False


@dataclass(frozen=True, slots=True)
class DecodeFailure:
    """Bytes that are not text (`binary`) or not text we can read (`undecodable`)."""

    status: str
    reason: str


def decode_bytes(raw: bytes) -> Decoded | DecodeFailure:
    """Decode raw bytes: BOM, strict UTF-8, binary sniffing, lossy UTF-8, then legacy code pages."""
    if not raw:
        return Decoded("", "utf-8")
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            return _finish(raw.decode(codec, errors="replace"), label)
    magic = _magic_name(raw)
    if magic is not None:
        return DecodeFailure("binary", f"{magic} signature")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    control_reason = _control_bytes_reason(raw)
    if control_reason is not None:
        utf16 = _bomless_utf16(raw)
        if utf16 is not None:
            return _finish(*utf16)
        return DecodeFailure("binary", control_reason)
    if text is not None:
        return _finish(text, "utf-8")
    lossy = _lossy_utf8(raw)
    if lossy is not None:
        return _finish(lossy, "utf-8")
    return _legacy(raw)


def repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8-read-as-cp1251/cp1252 mojibake; returns (text, whether anything changed).

    ftfy repairs whole texts and long runs, but leaves short isolated fragments such as
    "2 РјРёРЅ" alone (too little evidence for its heuristics), so the remaining runs of
    mojibake pairs are re-encoded directly when they turn back into valid UTF-8.
    """
    if not any(hint in text for hint in _MOJIBAKE_HINTS) or _MOJIBAKE_GATE.search(text) is None:
        return text, False
    fixed = ftfy.fix_encoding(text)
    if _MOJIBAKE_GATE.search(fixed) is not None:
        for pattern, codec in _MOJIBAKE_RUNS:
            fixed = pattern.sub(lambda m, c=codec: _reencode(m.group(0), c), fixed)
    return fixed, fixed != text


def _reencode(run: str, codec: str) -> str:
    if len(run) < 4:
        return run
    try:
        return run.encode(codec).decode("utf-8")
    except UnicodeError:
        return run


def _finish(text: str, encoding: str) -> Decoded:
    repaired, changed = repair_mojibake(text)
    return Decoded(repaired, encoding, changed)


def _magic_name(raw: bytes) -> str | None:
    for signature, name in _MAGIC_BY_FIRST_BYTE.get(raw[:1], ()):
        if raw.startswith(signature):
            return name
    if raw[:4] == b"RIFF" and raw[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return raw[8:12].decode("ascii").strip().lower()
    return None


def _control_bytes_reason(raw: bytes) -> str | None:
    sample = raw[:_SNIFF_BYTES]
    controls = len(sample.translate(None, _NON_CONTROL_BYTES))
    if controls and controls / len(sample) > _MAX_CONTROL_SHARE:
        nuls = sample.count(0)
        return f"{controls} control bytes ({nuls} NUL) in the first {len(sample)} bytes"
    return None


def _bomless_utf16(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM: NULs only in the high byte of ASCII characters, all on one side."""
    if len(raw) % 2:
        return None
    sample = raw[:_SNIFF_BYTES]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if even and odd:
        return None
    codec = "utf-16-le" if odd else "utf-16-be"
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        return None
    # Binary data with NULs on one side decodes to printable CJK soup; real articles are Latin,
    # Cyrillic and punctuation.
    probe = text[:_SNIFF_BYTES]
    plausible = sum(
        1
        for ch in probe
        if (ch.isprintable() or ch in "\n\r\t") and (ch < "\u0530" or "\u2000" <= ch < "\u2070")
    )
    if plausible < 0.95 * len(probe):
        return None
    return text, codec


def _lossy_utf8(raw: bytes) -> str | None:
    text = raw.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    if replaced > max(2.0, _MAX_REPLACEMENT_SHARE * len(text)):
        return None
    non_ascii_bytes = len(raw) - len(text.encode("ascii", errors="ignore"))
    # Valid multibyte sequences must dominate the broken bytes, or this is a legacy code page
    # whose few high bytes merely failed as UTF-8.
    if non_ascii_bytes < 30 * replaced:
        return None
    return text


def _legacy(raw: bytes) -> Decoded | DecodeFailure:
    best = from_bytes(raw, cp_isolation=list(LEGACY_CANDIDATES)).best()
    if best is None:
        return DecodeFailure("undecodable", "no candidate encoding decodes it as sensible text")
    encoding = codecs.lookup(best.encoding).name
    text = str(best)
    if encoding in _CP1251_TWINS:
        try:
            if raw.decode("cp1251") == text:
                encoding = "cp1251"
        except UnicodeDecodeError:
            pass
    return _finish(text, encoding)
