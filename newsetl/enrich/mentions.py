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
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import NamedTuple

from newsetl.enrich import ner
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


class Mention(NamedTuple):  # a tuple: cheap to send back from a worker process
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
    capitals: list[int] = field(default_factory=list)  # the capitalised words' indices

    @classmethod
    def of(cls, text: str) -> Words:
        found = list(WORD.finditer(text))
        spans = [m.span() for m in found]
        joined = [False] + [
            text[spans[i - 1][1] : spans[i][0]].isspace() for i in range(1, len(spans))
        ]
        words = [m.group() for m in found]
        capitals = [i for i, word in enumerate(words) if word[:1].isupper()]
        return cls(text, words, spans, joined, capitals)

    @cached_property
    def runs(self) -> list[tuple[int, int]]:
        """Runs of up to four capitalised words with only whitespace between them."""
        runs, upper, after = [], set(self.capitals), 0
        for i in self.capitals:
            if i < after:
                continue
            j = i + 1
            while j in upper and self.joined[j] and j - i < 4:
                j += 1
            runs.append((i, j))
            after = j
        return runs

    def sentence_start(self, i: int) -> bool:
        before = self.text[: self.spans[i][0]].rstrip(" \u00a0" + _OPEN_QUOTES)
        return not before or before[-1] in _SENTENCE_END

    def quoted(self, i: int, j: int) -> bool:
        start, end = self.spans[i][0], self.spans[j - 1][1]
        return (
            start > 0 and self.text[start - 1] in _OPEN_QUOTES and self.text[end : end + 1] in '»"”'
        )


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


class Run(NamedTuple):
    """A capitalised run of words in one paragraph, with what a lookup of known names needs:
    the run's key, and for each word its character span, surname key, token keys and where a
    person's name ending there would start (one given name before it)."""

    position: int
    phrase: str
    words: tuple[tuple[int, int, str, tuple[str, ...], int], ...]


def run_of(pos: int, w: Words, i: int, j: int, language: str) -> Run:
    words = tuple(
        (w.spans[k][0], w.spans[k][1], *_lookup_keys(w.words[k], language),
         w.spans[person_start(w, i, k, language)][0])
        for k in range(i, j)
    )  # fmt: skip
    return Run(pos, phrase_key(w.words[i:j], language), words)


@lru_cache(maxsize=200_000)
def _lookup_keys(word: str, language: str) -> tuple[str, tuple[str, ...]]:
    return name_key(word, language), tuple(sorted(token_keys(word, language)))


class Known:
    """Entity ids known before an article is read: the lake's and the batch's so far."""

    def __init__(self, ids: set[str] | None = None) -> None:
        self.persons: set[str] = set()
        self.others: dict[str, str] = {}  # key -> entity id
        self.added: dict[str, None] = {}  # in the order they came
        for entity_id in sorted(ids or ()):
            self.add(entity_id)

    def add(self, entity_id: str) -> None:
        self.added[entity_id] = None
        kind, _, key = entity_id.partition(":")
        if kind == "person":
            self.persons.add(key)
        elif kind in ("place", "org") and key:
            self.others.setdefault(key, entity_id)

    def lookup(self, run: Run) -> list[tuple[int, int, str, str]]:
        """(start, end, entity id, kind) of known names inside a capitalised run (character
        offsets): people by their surname, others by the whole run's key or a single word's."""
        if run.phrase in self.others:
            entity_id = self.others[run.phrase]
            return [(run.words[0][0], run.words[-1][1], entity_id, entity_id.split(":", 1)[0])]
        out = []
        for start, end, surname, keys, person_start_at in run.words:
            if len(surname) > 2 and surname in self.persons:
                out.append((person_start_at, end, f"person:{surname}", "person"))
            else:
                for single in keys:
                    if single in self.others:
                        entity_id = self.others[single]
                        out.append((start, end, entity_id, entity_id.split(":", 1)[0]))
                        break
        return out


def wanted_ids(runs: list[Run]) -> set[str]:
    """Every entity id a lookup over these runs could hit: what to read of the lake's
    entities (never the whole table)."""
    out: set[str] = set()
    for run in runs:
        out.update((f"place:{run.phrase}", f"org:{run.phrase}"))
        for _, _, surname, keys, _ in run.words:
            out.add(f"person:{surname}")
            out.update(f"{kind}:{key}" for key in keys for kind in ("place", "org"))
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


class Analysis(NamedTuple):
    """What an article's own text says, before the names known elsewhere are looked up: the
    candidate mentions (gazetteer, model, Kazakh rules), the ids they found, and the
    capitalised runs to look up. Worked out in a worker process; `resolve` finishes it."""

    candidates: list[tuple[int, Mention]]
    local: list[str]  # ids the model and the Kazakh rules found, in order
    runs: list[Run]


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
    analysis = analyse(
        paragraphs, language, ner_paragraphs=ner_paragraphs, gaz=gaz, ner_docs=ner_docs
    )
    return resolve(analysis, paragraphs, known)


def analyse(
    paragraphs: list[str],
    language: str,
    *,
    ner_paragraphs: int = 3,
    gaz: Gazetteer | None = None,
    ner_docs: list | None = None,
    words: list[Words] | None = None,
) -> Analysis:
    """`words`: Words.of each paragraph, if the caller has them already."""
    gaz = gaz or gazetteer()
    language = "ru" if language == "ru" else "kk"
    candidates: list[tuple[int, Mention]] = []  # (priority, mention)
    words = words or [Words.of(text) for text in paragraphs]

    def add(pos: int, i: int, j: int, entity_id: str, kind: str, priority: int) -> None:
        w = words[pos]
        start, end = w.spans[i][0], w.spans[j - 1][1]
        mention = Mention(pos, start, end, w.text[start:end], entity_id, kind)
        candidates.append((priority, mention))

    for pos, w in enumerate(words):
        for m in gaz.find(w.words, language, w.joined, w.capitals):
            entry = m.entry
            if w.quoted(m.start_token, m.end_token):  # «Астана» the club, not the city
                key = phrase_key(w.words[m.start_token : m.end_token], language)
                add(pos, m.start_token, m.end_token, f"org:{key}", "org", 0)
            else:
                add(pos, m.start_token, m.end_token, entry.entity_id, entry.kind, 0)
    local = Known()
    if language == "ru":
        if ner_docs is None:
            ner_docs = ner.tag(lead_paragraphs(paragraphs, ner_paragraphs))
        for pos, doc in enumerate(ner_docs):
            _model_spans(pos, words[pos], doc, add, local)
    else:
        for pos, w in enumerate(words):
            _kazakh_runs(pos, w, add, local, _covered(w, candidates, pos))
    runs = [run_of(pos, w, i, j, language) for pos, w in enumerate(words) for i, j in w.runs]
    return Analysis(candidates, list(local.added), runs)


def resolve(analysis: Analysis, paragraphs: list[str], known: Known) -> list[Mention]:
    """The article's mentions: its own candidates, and the known names its capitalised runs
    hold (the article's own first, then those known before it)."""
    candidates = list(analysis.candidates)
    local = Known()
    for entity_id in analysis.local:
        local.add(entity_id)
    for run in analysis.runs:
        text = paragraphs[run.position]
        for source in (local, known):
            hits = source.lookup(run)
            for start, end, entity_id, kind in hits:
                mention = Mention(run.position, start, end, text[start:end], entity_id, kind)
                candidates.append((2, mention))
            if hits:
                break
    return _resolve(candidates)


def _model_spans(pos: int, w: Words, doc, add, local: Known) -> None:
    for span in doc.spans:
        i = next((k for k, s in enumerate(w.spans) if s[1] > span.start), None)
        j = next((k for k in range(len(w.spans) - 1, -1, -1) if w.spans[k][0] < span.stop), None)
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
        entity_id = entity_for(w.words[i : j + 1], kind, "ru")
        local.add(entity_id)
        add(pos, i, j + 1, entity_id, kind, 1)


def _covered(w: Words, candidates: list[tuple[int, Mention]], pos: int) -> set[int]:
    """Indices of the words inside the paragraph's candidates so far."""
    starts = [s for s, _ in w.spans]
    out: set[int] = set()
    for _, m in candidates:
        if m.position == pos:
            k = bisect_left(starts, m.start)
            while k < len(starts) and w.spans[k][1] <= m.end:
                out.add(k)
                k += 1
    return out


def _kazakh_runs(pos: int, w: Words, add, local: Known, covered: set[int]) -> None:
    for i, j in w.runs:
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
