"""Unicode and whitespace normalisation applied to every decoded article before parsing.

Each step is guarded by a cheap search so that clean text (the common case) is scanned a few
times by compiled regexes and never copied.
"""

from __future__ import annotations

import re
import unicodedata

# Line breaks other than LF: CRLF/CR from Windows and old Mac files, NEL, VT, FF, U+2028/U+2029.
# (Branches that each open with a literal let the regex engine skip other text at C speed.)
_LINE_BREAKS = re.compile("\r\n?|\x0b|\x0c|\x85|\u2028|\u2029")
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


# Above this many distinct odd characters, three regex substitutions beat one `str.replace` each.
_MAX_REPLACED_CHARS = 6


def normalize_text(text: str) -> str:
    """NFC, LF line ends, plain spaces, no invisible characters, no trailing whitespace."""
    if (odd := _ANY_ODD.search(text)) is not None:
        text = _replace_odd(text, odd.start())
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if " \n" in text:
        text = _TRAILING_SPACES.sub("", text)
    return text.rstrip()


def _replace_odd(text: str, first: int) -> str:
    """Line breaks to LF, odd spaces to a space, invisible characters removed.

    The odd characters an article holds are usually one or two kinds (an NBSP, CRLF line ends),
    so each kind found is replaced with `str.replace` rather than scanning the whole text with
    the three patterns. The classes do not overlap and what they become is in none of them, so
    the order does not matter once CRLF pairs are one LF."""
    found = set(_ANY_ODD.findall(text, first))
    if len(found) > _MAX_REPLACED_CHARS:
        text = _LINE_BREAKS.sub("\n", text)
        text = _ODD_SPACES.sub(" ", text)
        return _INVISIBLE.sub("", text)
    if "\r" in found:
        text = text.replace("\r\n", "\n")
    for char in found:
        if _LINE_BREAKS.match(char):
            text = text.replace(char, "\n")
        elif _ODD_SPACES.match(char):
            text = text.replace(char, " ")
        else:
            text = text.replace(char, "")
    return text


def collapse_spaces(text: str) -> str:
    """Runs of whitespace to one space, ends stripped: for comparing lines, not for storage."""
    return " ".join(text.split())
