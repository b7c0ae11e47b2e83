"""Text exports that kept their HTML: tags turned into lines and entities into characters, with
selectolax (lexbor) and `html.unescape`, before anything else reads the lines.

Block elements (`<p>`, `<h1>`, `<div>`, `<li>`...) become one line each, `<br>` inside a block
is a space (a line break inside a paragraph is not a new paragraph), inline tags (`<a>`,
`<span>`, `<strong>`) leave their text. Text without tags only has its entities decoded."""

from __future__ import annotations

import html
import re

from selectolax.lexbor import LexborHTMLParser

# A tag the exports use; `<` followed by a letter and `>` within the line.
_TAG = re.compile(r"</?(?:p|h[1-6]|div|span|br|a|strong|em|b|i|li|ul|ol|section|article)\b[^<>]*>")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
_BLOCKS = frozenset(
    (
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "li", "blockquote", "section"),
        *("article", "header", "footer", "pre", "tr", "figcaption"),
    )
)


def has_markup(text: str) -> bool:
    """Whether the text holds HTML tags or entities (cheap: one `&`/`<` test first)."""
    return ("<" in text and _TAG.search(text) is not None) or (
        "&" in text and _ENTITY.search(text) is not None
    )


def markup_to_text(text: str) -> str:
    """HTML tags and entities to plain lines; text without tags is only unescaped."""
    if "<" not in text or _TAG.search(text) is None:
        return html.unescape(text)
    tree = LexborHTMLParser(text)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return html.unescape(text)
    for br in root.css("br"):
        br.replace_with(" ")
    lines: list[str] = []
    title = tree.css_first("head title")
    if title is not None and (text_title := " ".join(title.text().split())):
        lines.append(text_title)  # a whole page saved as .txt: its <title> heads it
    _walk(root, lines)
    return "\n".join(lines)


def _walk(node, lines: list[str]) -> None:
    """Each block without block children is a line; loose text between blocks is a line too."""
    pending: list[str] = []
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag in _BLOCKS and child.css_first(",".join(sorted(_BLOCKS))) is not None:
            _flush(pending, lines)
            _walk(child, lines)
        elif tag in _BLOCKS:
            _flush(pending, lines)
            lines.append(" ".join(child.text(deep=True).split()))
        elif tag == "-text":
            value = child.text_content or ""
            for i, part in enumerate(value.split("\n")):
                if i:
                    _flush(pending, lines)
                pending.append(part)
        else:
            pending.append(child.text(deep=True))
    _flush(pending, lines)


def _flush(pending: list[str], lines: list[str]) -> None:
    line = " ".join("".join(pending).split())
    if line:
        lines.append(line)
    pending.clear()
