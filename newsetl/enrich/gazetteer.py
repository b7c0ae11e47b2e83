"""Named places and bodies known in advance, in Kazakh and Russian, found in text whatever
their case: Kazakhstan's regions, cities, rivers and state bodies (data/kazakhstan.tsv), and
the countries and world regions of Babel's CLDR data. A name matches when every one of its
words shares a key (newsetl.enrich.fold.token_keys) with the word written in its place."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from newsetl.enrich.fold import token_keys

DATA = Path(__file__).parent / "data" / "kazakhstan.tsv"

# Short forms of country names that CLDR does not list, by territory code.
COUNTRY_ALIASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "US": (("АҚШ",), ("США",)),
    "CN": (("ҚХР", "Қытай Халық Республикасы"), ("КНР", "Китайская Народная Республика")),
    "RU": (("РФ", "Ресей Федерациясы"), ("РФ", "Российская Федерация")),
    "KZ": (("ҚР", "Қазақстан Республикасы"), ("РК", "Республика Казахстан")),
    "KG": (("Қырғыз Республикасы",), ("Кыргызстан", "Кыргызская Республика")),
    "GB": (("Ұлыбритания",), ("Великобритания",)),
}
# CLDR territories that are not names of a place in running text ("World", "Unknown").
SKIPPED_TERRITORIES = {"001", "ZZ", "QO", "EU", "EZ", "UN", "419"}


@dataclass(frozen=True)
class Entry:
    entity_id: str
    kind: str  # place | org
    name_kk: str
    name_ru: str


@dataclass(frozen=True)
class Match:
    start_token: int
    end_token: int  # exclusive
    entry: Entry


class Gazetteer:
    """Names by the keys of their first word; `find` returns the longest match at each place."""

    def __init__(self, rows: list[tuple[Entry, list[str], list[str]]]) -> None:
        self._first: dict[str, list[tuple[tuple[frozenset[str], ...], bool, Entry]]] = {}
        self.entries: dict[str, Entry] = {}
        self._seen: dict[tuple[str, str], tuple] = {}
        for entry, kk_names, ru_names in rows:
            self.entries[entry.entity_id] = entry
            for names, language in ((kk_names, "kk"), (ru_names, "ru")):
                for name in names:
                    words = name.split()
                    keys = tuple(token_keys(w, language) | token_keys(w, "kk") for w in words)
                    # A name written in capitals (ОСК, ЦИК) matches only in capitals.
                    upper = len(words) == 1 and words[0].isupper()
                    for key in keys[0]:
                        self._first.setdefault(key, []).append((keys, upper, entry))

    def _candidates(self, word: str, language: str) -> tuple:
        """The names whose first word shares a key with `word` (kept per word form)."""
        found = self._seen.get((word, language))
        if found is None:
            found = tuple(
                {c for key in token_keys(word, language) for c in self._first.get(key, ())}
            )
            if len(self._seen) < 200_000:
                self._seen[(word, language)] = found
        return found

    def find(
        self,
        words: list[str],
        language: str,
        joined: list[bool],
        capitals: list[int] | None = None,
    ) -> list[Match]:
        """Matches over `words` (a paragraph's words; joined[i]: word i follows word i-1 across
        whitespace only; capitals: the capitalised words' indices, if known). Every match
        starts at a capitalised word; longest first."""
        out: list[Match] = []
        if capitals is None:
            capitals = [i for i, word in enumerate(words) if word[:1].isupper()]
        after = 0
        for i in capitals:
            if i < after:
                continue
            best: Match | None = None
            for keys, upper, entry in self._candidates(words[i], language):
                n = len(keys)
                if upper and not words[i].isupper():
                    continue
                if i + n > len(words) or not all(joined[i + j] for j in range(1, n)):
                    continue
                longer = best is None or n > best.end_token - best.start_token
                if longer and all(
                    token_keys(words[i + j], language) & keys[j] for j in range(1, n)
                ):
                    best = Match(i, i + n, entry)
            if best is not None:
                out.append(best)
                after = best.end_token
        return out


def _rows() -> list[tuple[Entry, list[str], list[str]]]:
    rows = []
    with DATA.open(encoding="utf-8") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for rec in csv.DictReader(lines, delimiter="\t"):
            kk_names, ru_names = rec["kk"].split("|"), rec["ru"].split("|")
            entry = Entry(rec["id"], rec["kind"], kk_names[0], ru_names[0])
            rows.append((entry, kk_names, ru_names))
    from babel import Locale

    kk, ru = Locale("kk").territories, Locale("ru").territories
    for code, name_kk in kk.items():
        name_ru = ru.get(code)
        if code in SKIPPED_TERRITORIES or not name_ru or "(" in name_kk or "(" in name_ru:
            continue
        extra_kk, extra_ru = COUNTRY_ALIASES.get(code, ((), ()))
        entry = Entry(f"cldr.{code}", "place", name_kk, name_ru)
        rows.append((entry, [name_kk, *extra_kk], [name_ru, *extra_ru]))
    return rows


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer(_rows())
