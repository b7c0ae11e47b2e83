"""Raw object bytes -> `Article` or `Rejection`.

The bytes are decoded and normalised, HTML left in a text export is turned into text, then the
lines are read by zones (newsetl.parse.head): the body is found first as the run of prose
lines, every head and tail line is classified by features and the lexicons
(newsetl.parse.classify, newsetl/parse/lexicon/*.toml), and each field is picked from the
classified lines with the line and rule behind it (`Article.why`; newsetl.parse.pick). The
coarse shape of the head is kept in `Article.layout` (header, page, wire, title_date,
date_title, title, none).

The parser only describes what it finds; deciding whether an article is good enough (no title,
empty body, no date) is the data-quality layer's job. A field it is not sure of stays None. It
never raises."""

from __future__ import annotations

import hashlib
import re

from newsetl.parse.decode import DecodeFailure, decode_bytes
from newsetl.parse.head import read_layout
from newsetl.parse.language import PREFIX_CHARS, detect_language
from newsetl.parse.layout import _HAS_CYRILLIC, _HAS_LATIN, _LATIN
from newsetl.parse.records import Article, Rejection
from newsetl.parse.text import normalize_text

# A run of Latin letters touching another, non-Latin, word character (Cyrillic, digit...) on
# either side. The pattern opens with the Latin class so the regex engine skips Cyrillic text at
# C speed (an alternation or a leading lookbehind would make it 5x slower), and the second
# lookbehind makes it fail at once inside a run, which keeps 1 MB one-word lines linear.
_LATIN_TOUCHING = re.compile(
    rf"[{_LATIN}](?<![{_LATIN}][{_LATIN}])"
    rf"(?:(?<=[^\W{_LATIN}][{_LATIN}])[{_LATIN}]*+|[{_LATIN}]*+(?=[^\W{_LATIN}]))"
)


_WORD_TAIL = re.compile(r"\w*")


def parse_article(key: str, raw: bytes) -> Article | Rejection:
    """Parse one object. Never raises: unexpected errors become an `undecodable` rejection."""
    doc_id = ""
    sha = ""
    try:
        doc_id = doc_id_from_key(key)
        sha = hashlib.sha256(raw).hexdigest()
        return _parse(key, doc_id, sha, raw)
    except Exception as exc:  # one bad object must not stop a batch
        reason = f"parser error: {type(exc).__name__}: {exc}"[:500]
        return Rejection(
            key=str(key), doc_id=doc_id, status="undecodable", reasons=[reason], content_sha256=sha
        )


def doc_id_from_key(key: str) -> str:
    """`raw/2026/000_87f847a6d181454e.txt` -> `000_87f847a6d181454e`.

    The stem of the last path part, as `PurePosixPath(key).stem` gives it (with `\\` read as
    `/`), in string operations: pathlib costs a few microseconds per article.
    """
    name = key.rpartition("/")[2]
    if "\\" in key or name in ("", "."):  # the last part is not simply after the last `/`
        parts = [part for part in key.replace("\\", "/").split("/") if part and part != "."]
        name = parts[-1] if parts else ""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _parse(key: str, doc_id: str, sha: str, raw: bytes) -> Article | Rejection:
    if not raw:
        return Rejection(key, doc_id, "empty", ["zero bytes"], sha)
    decoded = decode_bytes(raw)
    if isinstance(decoded, DecodeFailure):
        return Rejection(key, doc_id, decoded.status, [decoded.reason], sha)
    text = normalize_text(decoded.text)
    if not text.strip():
        reason = f"only whitespace or invisible characters after decoding as {decoded.encoding}"
        return Rejection(key, doc_id, "whitespace", [reason], sha, decoded.encoding)

    layout = read_layout(text)
    body = "\n".join(layout.paragraphs)
    title = layout.title
    language, confidence = detect_language(
        f"{title}\n{body[:PREFIX_CHARS]}" if title else body[:PREFIX_CHARS]
    )
    frame_lines = unknown_lines = 0
    for _, zone, kind, _, _ in layout.lines:
        if zone != "body":
            frame_lines += 1
        if kind == "unknown":
            unknown_lines += 1
    return Article(
        key=key,
        doc_id=doc_id,
        title=title,
        body=body,
        paragraphs=layout.paragraphs,
        author=layout.author,
        published_date=layout.published_date,
        published_at=layout.published_at,
        date_source=layout.date_source,
        layout=layout.layout,
        language=language,
        language_confidence=confidence,
        section=layout.section,
        views=layout.views,
        reading_minutes=layout.reading_minutes,
        photo_credit=layout.photo_credit,
        photo_caption=layout.photo_caption,
        dateline_place=layout.dateline_place,
        dateline_date=layout.dateline_date,
        agency=layout.agency,
        paragraph_count=len(layout.paragraphs),
        char_count=len(body),
        word_count=_count_body_words(body, len(layout.paragraphs)),
        source_encoding=decoded.encoding,
        content_sha256=sha,
        mixed_script_tokens=mixed_script_tokens(text),
        mojibake_repaired=decoded.mojibake_repaired,
        why=layout.why,
        frame_lines=frame_lines,
        unknown_lines=unknown_lines,
    )


def mixed_script_tokens(text: str) -> list[str]:
    """Words mixing Latin and Cyrillic letters (`CІМ` with a Latin C), first occurrence order.

    A word is a run of word characters (`\\w`), so `Қазақстан-USA` is two clean words.
    """
    found: dict[str, None] = {}
    end = 0
    for m in _LATIN_TOUCHING.finditer(text):
        if m.start() < end:
            continue  # still inside the word found last time
        start = m.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        end = _WORD_TAIL.match(text, m.start()).end()
        word = text[start:end]
        if _HAS_CYRILLIC.search(word) and _HAS_LATIN.search(word):
            found[word] = None
    return list(found)


def _count_body_words(body: str, paragraphs: int) -> int:
    """`count_words(body)` for a body of normalised, stripped, non-empty paragraphs joined by
    LF: there a space is the only whitespace inside a paragraph (normalize_text turned every
    other one into a space or a line break), so without double spaces each paragraph has one
    word more than spaces. Counting spaces costs a fifth of splitting 5 KB into words."""
    if "  " in body:
        return count_words(body)
    return body.count(" ") + paragraphs


def count_words(text: str) -> int:
    """Whitespace-separated tokens, as `wc -w` counts them (a lone dash counts too)."""
    return len(text.split())
