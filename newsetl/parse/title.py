"""Cleaning what the picked lines give: a title without markdown marks, a photo credit split
from the caption that follows it."""

from __future__ import annotations

import re

# Markdown exports: `# Title`, `## Title ##`.
_MARKDOWN_HEADING = re.compile(r"#{1,6} +(?P<text>.*?)(?: +#+)?")


def clean_title(line: str) -> str:
    """The title without markdown heading marks (`# Title`) or bold (`**Title**`)."""
    if line[:1] == "#" and (m := _MARKDOWN_HEADING.fullmatch(line)):
        line = m["text"].strip()
    if len(line) > 4 and line[:2] == "**" and line[-2:] == "**":
        line = line[2:-2].strip()
    return line


def split_photo_credit(rest: str) -> tuple[str | None, str | None]:
    """`МИД РК. Встреча …` -> (`МИД РК`, `Встреча …`); `gov.kz` -> (`gov.kz`, None).

    The credit ends at the first ". " that is not an initial (`А. Иванов. Встреча` keeps
    `А. Иванов`) and is followed by a capital letter, digit or quote.
    """
    rest = rest.strip()
    start = 0
    while (dot := rest.find(". ", start)) != -1:
        before = rest[:dot].rsplit(" ", 1)[-1]
        after = rest[dot + 2 :].lstrip()
        if len(before) > 1 and after and (after[0].isupper() or after[0] in "«\"'0123456789"):
            credit = rest[:dot].strip()
            return (credit or None), after
        start = dot + 2
    if rest.endswith(".") and len(rest.rsplit(" ", 1)[-1]) > 2:
        rest = rest[:-1]  # "Сенаттың баспасөз қызметі." but not the initial in "Иванов А."
    return (rest or None), None
