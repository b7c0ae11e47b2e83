"""Mentions of people, organisations and places in one article, each tied to an entity id.

What finds them, in order of trust (a longer span wins an overlap, then the earlier source):
1. the gazetteer (both languages): Kazakhstan's places and state bodies, CLDR countries;
2. Russian: natasha's NER (navec + slovnet, shipped in its wheel) over the title and the first
   `ner_paragraphs` paragraphs only, so its cost is bounded per article;
3. Kazakh (nothing offline tags it): capitalised word runs, read as a person when the last word
   is a surname (-ов/-ев/-ин, -ұлы/-қызы, after the suffix is stripped), as an organisation when
   they run into a head noun (министрлігі, агенттігі, соты, ...), Latin runs and Cyrillic
   acronyms as organisations;
4. everywhere: names already known (found above in this article, found in the Russian articles
   of the same batch, or in the lake's entities) matched again by key, so the later paragraphs
   and the Kazakh text find the people the model found once.

An entity id is the gazetteer's id, or `kind:key` where key is the folded surname (people) or
the folded reduced words (others): Тоқаевтың, Токаева and Тоқаев all become person:токаев."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from newsetl.enrich.fold import WORD, fold, name_key, place_base, reduce, token_keys
from newsetl.enrich.gazetteer import Gazetteer, gazetteer
from newsetl.search import kazakh

KINDS = {"PER": "person", "LOC": "place", "ORG": "org"}

# Kazakh head nouns that close an organisation's name (stems, folded).
ORG_HEADS = {
    fold(w)
    for w in (
        "министрлік", "агенттік", "комитет", "сот", "банк", "қор", "кеңес", "комиссия", "ұйым",
        "театр", "университет", "компания", "департамент", "бюро", "экспедиция", "қызмет",
        "әкімдік", "корпорация", "академия", "партия", "одақ", "палата", "институт", "холдинг",
    )
}  # fmt: skip
# Words that close a place's name, by what they name (folded reductions, both languages).
PLACE_HEADS = {
    "аудан": "district", "раион": "district", "облис": "region", "область": "region",
    "кала": "city", "город": "city", "аул": "village", "село": "village", "озен": "river",
    "река": "river", "кол": "lake", "озеро": "lake",
}  # fmt: skip
_SURNAME_END = re.compile(r"(ов|ев|ин|ова|ева|ина|ұлы|қызы|ко|швили|дзе|ян)$")
_OPEN_QUOTES = '«"“„'
_SENTENCE_END = ".!?…:"


@dataclass(frozen=True)
class Mention:
    position: int  # paragraph number, 0 for the title
    start: int  # character offset inside that paragraph
    end: int
    surface: str
    entity_id: str
    kind: str


@dataclass
class Words:
    text: str
    words: list[str]
    spans: list[tuple[int, int]]
    joined: list[bool]  # word i follows word i-1 across whitespace only

    @classmethod
    def of(cls, text: str) -> Words:
        found = list(WORD.finditer(text))
        spans = [m.span() for m in found]
        joined = [False] + [
            text[spans[i - 1][1] : spans[i][0]].isspace() for i in range(1, len(spans))
        ]
        return cls(text, [m.group() for m in found], spans, joined)

    def sentence_start(self, i: int) -> bool:
        before = self.text[: self.spans[i][0]].rstrip(" \u00a0" + _OPEN_QUOTES)
        return not before or before[-1] in _SENTENCE_END

    def quoted(self, i: int, j: int) -> bool:
        start, end = self.spans[i][0], self.spans[j - 1][1]
        return (
            start > 0 and self.text[start - 1] in _OPEN_QUOTES and self.text[end : end + 1] in '»"”'
        )


def capital_runs(w: Words) -> list[tuple[int, int]]:
    runs, i = [], 0
    while i < len(w.words):
        if w.words[i][:1].isupper():
            j = i + 1
            while j < len(w.words) and w.joined[j] and w.words[j][:1].isupper() and j - i < 4:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def looks_like_surname(word: str) -> bool:
    """A Kazakh word that is a surname with or without its suffixes (Тоқаевтың)."""
    lower = word.lower()
    return len(lower) > 3 and bool(
        _SURNAME_END.search(lower) or _SURNAME_END.search(kazakh.stem(lower))
    )


def is_first_name(word: str, language: str) -> bool:
    """A capitalised word before a surname that may be a given name: a Kazakh one carries no
    suffix (Төрағасы, Президенті do), a Russian one is not a common noun of a title."""
    if "-" in word:
        return True
    lower = word.lower()
    if language == "ru":
        return lower not in {"глава", "президент", "премьер", "министр", "аким", "спикер"}
    return kazakh.stem(lower) == lower


ROLES = {
    "президент", "глава", "премьер", "премьер-министр", "министр", "аким", "спикер",
    "председатель", "депутат", "посол", "губернатор", "мэр", "канцлер", "король", "послание",
    "сенатор", "генсек", "вице-премьер", "замминистра", "правительство",
}  # fmt: skip


@lru_cache(maxsize=100_000)
def is_role(word: str) -> bool:
    """A Russian title or role noun the model may take for a name (Президенту)."""
    from newsetl.enrich.fold import ru_lemmas

    return ru_lemmas(word)[0] in ROLES


@lru_cache(maxsize=100_000)
def is_common_noun(word: str) -> bool:
    """A Russian word the dictionary knows as something other than a name."""
    from newsetl.enrich.fold import morph

    parses = morph().parse(word.lower())[:2]
    proper = {"Name", "Surn", "Patr", "Geox", "Orgn", "Abbr", "Trad"}
    return bool(parses) and all(
        p.is_known and not proper & set(str(p.tag).replace(" ", ",").split(",")) for p in parses
    )


def phrase_key(words: list[str], language: str) -> str:
    return " ".join(reduce(w, language) for w in words)


def entity_for(words: list[str], kind: str, language: str) -> str:
    if kind == "person":
        return f"person:{name_key(words[-1], language)}"
    head = PLACE_HEADS.get(reduce(words[-1], language)) if len(words) > 1 else None
    if head:  # Кордайский район and Қордай ауданы: one district
        name = " ".join(place_base(reduce(w, language)) for w in words[:-1])
        return f"place:{name}:{head}"
    return f"{kind}:{phrase_key(words, language)}"


def person_start(w: Words, i: int, k: int, language: str) -> int:
    """Where a person's name ending at word k starts: one given name before it, if any."""
    if k > i and w.joined[k] and is_first_name(w.words[k - 1], language):
        return k - 1
    return k


@lru_cache(maxsize=1)
def ner_tagger():
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


class Known:
    """Entity ids known before an article is read: the lake's and the batch's so far."""

    def __init__(self, ids: set[str] | None = None) -> None:
        self.persons: set[str] = set()
        self.others: dict[str, str] = {}  # key -> entity id
        for entity_id in ids or ():
            self.add(entity_id)

    def add(self, entity_id: str) -> None:
        kind, _, key = entity_id.partition(":")
        if kind == "person":
            self.persons.add(key)
        elif kind in ("place", "org") and key:
            self.others.setdefault(key, entity_id)

    def lookup(self, w: Words, i: int, j: int, language: str) -> list[tuple[int, int, str, str]]:
        """(start, end, entity id, kind) of known names inside the capitalised run i..j: people
        by their surname, others by the whole run's key or a single word's."""
        key = phrase_key(w.words[i:j], language)
        if key in self.others:
            entity_id = self.others[key]
            return [(i, j, entity_id, entity_id.split(":", 1)[0])]
        out = []
        for k in range(i, j):
            surname = name_key(w.words[k], language)
            if len(surname) > 2 and surname in self.persons:
                out.append((person_start(w, i, k, language), k + 1, f"person:{surname}", "person"))
            else:
                for single in token_keys(w.words[k], language):
                    if single in self.others:
                        entity_id = self.others[single]
                        out.append((k, k + 1, entity_id, entity_id.split(":", 1)[0]))
                        break
        return out


# The model reads at most this many words of an article (whole paragraphs, the title always).
NER_WORD_BUDGET = 160


def lead_paragraphs(paragraphs: list[str], ner_paragraphs: int) -> list[str]:
    """What the model reads of an article: the title and the first paragraphs, up to
    `ner_paragraphs` of them and while the words read stay under NER_WORD_BUDGET."""
    lead, words = paragraphs[:1], len(paragraphs[0].split()) if paragraphs else 0
    for text in paragraphs[1 : ner_paragraphs + 1]:
        words += len(text.split())
        if words > NER_WORD_BUDGET and len(lead) > 1:
            break
        lead.append(text)
    return lead


def extract(
    paragraphs: list[str],
    language: str,
    known: Known,
    *,
    ner_paragraphs: int = 3,
    gaz: Gazetteer | None = None,
    ner_docs: list | None = None,
) -> list[Mention]:
    """Mentions in an article given as [title, paragraph 1, ...]."""
    gaz = gaz or gazetteer()
    language = "ru" if language == "ru" else "kk"
    candidates: list[tuple[int, int, Mention]] = []  # (priority, -length, mention)
    words = [Words.of(text) for text in paragraphs]

    def add(pos: int, i: int, j: int, entity_id: str, kind: str, priority: int) -> None:
        w = words[pos]
        start, end = w.spans[i][0], w.spans[j - 1][1]
        mention = Mention(pos, start, end, w.text[start:end], entity_id, kind)
        candidates.append((priority, mention))

    for pos, w in enumerate(words):
        for m in gaz.find(w.words, language, w.joined):
            entry = m.entry
            if w.quoted(m.start_token, m.end_token):  # «Астана» the club, not the city
                key = phrase_key(w.words[m.start_token : m.end_token], language)
                add(pos, m.start_token, m.end_token, f"org:{key}", "org", 0)
            else:
                add(pos, m.start_token, m.end_token, entry.entity_id, entry.kind, 0)
    local = Known()
    if language == "ru":
        if ner_docs is None:
            ner_docs = list(ner_tagger().map(lead_paragraphs(paragraphs, ner_paragraphs)))
        for pos, doc in enumerate(ner_docs):
            w = words[pos]
            for span in doc.spans:
                i = next((k for k, s in enumerate(w.spans) if s[1] > span.start), None)
                j = next(
                    (k for k in range(len(w.spans) - 1, -1, -1) if w.spans[k][0] < span.stop), None
                )
                if i is None or j is None or j < i or not w.words[i][:1].isupper():
                    continue
                kind = KINDS.get(span.type, "org")
                # The model sometimes takes a title or a common noun for a name
                # (Президенту, Послания Токаева): such words are cut from a person's span
                # and a one-word span of one is dropped.
                while i < j and kind == "person" and is_common_noun(w.words[i]):
                    i += 1
                if i == j and is_role(w.words[i]):
                    continue
                if i > j:
                    continue
                run = w.words[i : j + 1]
                entity_id = entity_for(run, kind, language)
                local.add(entity_id)
                add(pos, i, j + 1, entity_id, kind, 1)
    else:
        for pos, w in enumerate(words):
            covered = {k for _, m in candidates if m.position == pos for k in _indices(w, m)}
            _kazakh_runs(pos, w, add, local, covered)
    for pos, w in enumerate(words):
        for i, j in capital_runs(w):
            for source in (local, known):
                hits = source.lookup(w, i, j, language)
                for start, end, entity_id, kind in hits:
                    add(pos, start, end, entity_id, kind, 2)
                if hits:
                    break
    return _resolve(candidates)


def _indices(w: Words, m: Mention) -> list[int]:
    return [k for k, (s, e) in enumerate(w.spans) if s >= m.start and e <= m.end]


def _kazakh_runs(pos: int, w: Words, add, local: Known, covered: set[int]) -> None:
    for i, j in capital_runs(w):
        run = w.words[i:j]
        head = j if j < len(w.words) and w.joined[j] else None
        if head is not None and PLACE_HEADS.get(reduce(w.words[head], "kk")):
            entity_id = entity_for([*run[-1:], w.words[head]], "place", "kk")
            local.add(entity_id)
            add(pos, j - 1, head + 1, entity_id, "place", 1)
            continue
        if all(_is_latin(x) for x in run):
            entity_id = f"org:{' '.join(x.lower() for x in run)}"
            local.add(entity_id)
            add(pos, i, j, entity_id, "org", 1)
            continue
        if j - i == 1 and run[0].isupper() and 2 <= len(run[0]) <= 6:
            add(pos, i, j, f"org:{fold(run[0])}", "org", 1)
            continue
        # A capitalised start running into an organisation's head noun.
        end = next(
            (k for k in range(j - 1, min(len(w.words), i + 7)) if (k == j - 1 or w.joined[k])
             and min(token_keys(w.words[k], "kk"), key=len) in ORG_HEADS),
            None,
        )  # fmt: skip
        if end is not None and all(w.joined[k] for k in range(i + 1, end + 1)) and end > i:
            entity_id = f"org:{phrase_key(w.words[i : end + 1], 'kk')}"
            local.add(entity_id)
            add(pos, i, end + 1, entity_id, "org", 1)
            continue
        for k in range(i, j):
            if k in covered or not looks_like_surname(w.words[k]):
                continue
            start = person_start(w, i, k, "kk")
            if start == k and w.sentence_start(k) and k == i and j - i == 1:
                continue
            entity_id = entity_for([w.words[k]], "person", "kk")
            local.add(entity_id)
            add(pos, start, k + 1, entity_id, "person", 1)


def _is_latin(word: str) -> bool:
    return all("a" <= c.lower() <= "z" for c in word.replace("-", ""))


def _resolve(candidates: list[tuple[int, Mention]]) -> list[Mention]:
    """Longest spans first, then the more trusted source; no two mentions overlap."""
    ordered = sorted(candidates, key=lambda c: (c[1].end - c[1].start) * -1 * 10 + c[0])
    taken: dict[int, list[tuple[int, int]]] = {}
    out: list[Mention] = []
    for _, m in ordered:
        spans = taken.setdefault(m.position, [])
        if any(m.start < e and s < m.end for s, e in spans):
            continue
        spans.append((m.start, m.end))
        out.append(m)
    return sorted(out, key=lambda m: (m.position, m.start))
