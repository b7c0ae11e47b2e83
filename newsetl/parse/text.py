"""Unicode and whitespace normalisation applied to every decoded article before parsing.

Each step is guarded by a cheap search so that clean text (the common case) is scanned a few
times by compiled regexes and never copied.
"""

from __future__ import annotations

import re
import unicodedata

# Line breaks other than LF: CRLF/CR from Windows and old Mac files, NEL, VT, FF, U+2028/U+2029.
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# Spaces that look like a space but are not U+0020: TAB, NBSP, Ogham, en/em/thin/hair...,
# narrow NBSP, medium mathematical space, ideographic space.
_ODD_SPACES = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Invisible characters that only break words and searches: soft hyphen, zero-width space/
# joiners, directional marks and embeddings, word joiner and invisible operators, BOM,
# Mongolian vowel separator, and remaining C0/C1 control characters (LF kept).
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
)
_TRAILING_SPACES = re.compile(" +$", re.MULTILINE)
# Union of the three classes above: one scan tells whether clean text needs any of them.
_ANY_ODD = re.compile(
    "[\r\x0b\x0c\x85\u2028\u2029\t\u00a0\u1680\u2000-\u200f\u202a-\u202f\u205f-\u2064"
    "\u2066-\u2069\u3000\u00ad\u180e\ufeff\x00-\x08\x0e-\x1f\x7f-\x9f]"
)


def normalize_text(text: str) -> str:
    """NFC, LF line ends, plain spaces, no invisible characters, no trailing whitespace."""
    if _ANY_ODD.search(text):
        text = _LINE_BREAKS.sub("\n", text)
        text = _ODD_SPACES.sub(" ", text)
        text = _INVISIBLE.sub("", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if " \n" in text:
        text = _TRAILING_SPACES.sub("", text)
    return text.rstrip()


def collapse_spaces(text: str) -> str:
    """Runs of whitespace to one space, ends stripped: for comparing lines, not for storage."""
    return " ".join(text.split())
