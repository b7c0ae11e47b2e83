"""The parser's lexicons: labels and names as data (TOML files next to this module), loaded once.

`labels.toml` maps a line class to the labels that open such a line, per language; `names.toml`
lists known rubrics, outlet names and issuing bodies; `months.toml` the Kazakh abbreviated and
Latin-script month names. Every entry keeps the language it came from so that the explanation
of a parsed article can say which entry decided a line (`author:kk:Дайындаған`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry: the class it decides, its language and its text as written."""

    kind: str
    language: str
    text: str

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.language}:{self.text}"


def _load(name: str) -> dict[str, dict[str, list[str]]]:
    with (_HERE / name).open("rb") as handle:
        return tomllib.load(handle)


@cache
def labels() -> dict[str, list[Entry]]:
    """Class -> its label entries, longest first (so `Фото и видео` wins over `Фото`)."""
    out: dict[str, list[Entry]] = {}
    for kind, by_language in _load("labels.toml").items():
        entries = [
            Entry(kind, language, text) for language, texts in by_language.items() for text in texts
        ]
        out[kind] = sorted(entries, key=lambda e: len(e.text), reverse=True)
    return out


@cache
def names() -> dict[str, dict[str, Entry]]:
    """Class (`sections`, `outlets`, `issuers`) -> casefolded name -> entry."""
    out: dict[str, dict[str, Entry]] = {}
    for kind, by_language in _load("names.toml").items():
        table: dict[str, Entry] = {}
        for language, texts in by_language.items():
            for text in texts:
                table.setdefault(text.casefold(), Entry(kind, language, text))
        out[kind] = table
    return out


@cache
def month_words() -> dict[str, int]:
    """Abbreviated and Latin-script month words (casefolded) -> month number."""
    out: dict[str, int] = {}
    for table in _load("months.toml").values():
        for number, words in table.items():
            for word in words:
                out.setdefault(word.casefold(), int(number))
    return out
