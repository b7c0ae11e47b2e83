"""Stories: articles of one event, in either language, linked by evidence that needs no
translation. Each article gets a signature (its entities, numbers and folded 5-letter word
prefixes, and a MinHash of its word shingles); a new article is compared with the articles of
the days around it only, and joins the story of the best one when the score reaches the
threshold, else it starts a story of its own.

score = date_factor * (W_ENTITIES * entities + W_NUMBERS * numbers + W_PREFIXES * prefixes),
each term a cosine over the two sets weighted by inverse document frequency among the articles
compared (an entity every article names, like Kazakhstan, counts for little)."""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

W_ENTITIES, W_NUMBERS, W_PREFIXES = 0.45, 0.25, 0.30
# Kinds weigh differently: a person or an organisation says more about which event it is.
KIND_WEIGHT = {"person": 1.5, "org": 1.2, "place": 1.0}


@dataclass
class Signature:
    key: str
    language: str
    published: date | None
    entities: set[str]
    numbers: set[str]
    prefixes: set[str]
    minhash: list[int] = field(default_factory=list)
    story_id: str | None = None


@dataclass(frozen=True)
class Link:
    key: str
    other: str
    score: float
    entities: float
    numbers: float
    prefixes: float


def _idf(pool: list[Signature], attr: str) -> dict[str, float]:
    df = Counter(item for sig in pool for item in getattr(sig, attr))
    n = len(pool) + 1
    return {item: math.log(n / count) + 0.1 for item, count in df.items()}


def _cosine(
    a: set[str], b: set[str], weights: dict[str, float], norm_a: float, norm_b: float
) -> float:
    if not norm_a or not norm_b:
        return 0.0
    shared = sum(weights[x] for x in a & b)
    return shared / math.sqrt(norm_a * norm_b) if shared else 0.0


def _kind_weight(entity_id: str) -> float:
    kind = entity_id.split(":", 1)[0] if ":" in entity_id else "place"
    if entity_id.startswith("kz.") and not entity_id.endswith(("_region", "river")):
        kind = "org" if "." in entity_id else kind
    return KIND_WEIGHT.get(kind, 1.0)


class Scorer:
    """Scores pairs of signatures; an item's squared weight and a signature's norm are worked
    out once per item and per signature."""

    ATTRS = ("entities", "numbers", "prefixes")

    def __init__(self, pool: list[Signature]) -> None:
        self.weights: dict[str, dict[str, float]] = {}
        for attr in self.ATTRS:
            idf = _idf(pool, attr)
            kind = _kind_weight if attr == "entities" else (lambda _: 1.0)
            self.weights[attr] = {item: (w * kind(item)) ** 2 for item, w in idf.items()}
        self._norms: dict[tuple[str, str], float] = {}

    def _norm(self, sig: Signature, attr: str) -> float:
        key = (sig.key, attr)
        if key not in self._norms:
            weights = self.weights[attr]
            self._norms[key] = sum(weights.get(x, 1.0) for x in getattr(sig, attr))
        return self._norms[key]

    def _term(self, a: Signature, b: Signature, attr: str) -> float:
        return _cosine(
            getattr(a, attr), getattr(b, attr), self.weights[attr],
            self._norm(a, attr), self._norm(b, attr),
        )  # fmt: skip

    def link(self, a: Signature, b: Signature) -> Link:
        e, n, p = (self._term(a, b, attr) for attr in self.ATTRS)
        gap = abs((a.published - b.published).days) if a.published and b.published else 3
        factor = max(0.0, 1.0 - 0.1 * gap)
        score = factor * (W_ENTITIES * e + W_NUMBERS * n + W_PREFIXES * p)
        return Link(a.key, b.key, round(score, 4), round(e, 4), round(n, 4), round(p, 4))


def near(a: Signature, b: Signature, window_days: int) -> bool:
    if a.published is None or b.published is None:
        return a.published is None and b.published is None
    return abs((a.published - b.published).days) <= window_days


class Days:
    """Signatures by publication day, in the order they were added: the neighbours of an
    article are read from the days around it only, never from every signature."""

    def __init__(self, window_days: int, signatures: list[Signature] = ()) -> None:
        self.window = window_days
        self.by_day: dict[date | None, list[tuple[int, Signature]]] = {}
        self.count = 0
        for sig in signatures:
            self.add(sig)

    def add(self, sig: Signature) -> None:
        self.by_day.setdefault(sig.published, []).append((self.count, sig))
        self.count += 1

    def around(self, sig: Signature) -> list[Signature]:
        """The signatures `near` this one (itself included if added), in the order added."""
        if sig.published is None:
            return [other for _, other in self.by_day.get(None, ())]
        days = (sig.published + timedelta(days=k) for k in range(-self.window, self.window + 1))
        lists = [found for day in days if (found := self.by_day.get(day))]
        if len(lists) == 1:
            return [other for _, other in lists[0]]
        return [other for _, other in heapq.merge(*lists, key=lambda item: item[0])]


def assign(
    new: list[Signature],
    context: list[Signature],
    *,
    threshold: float,
    window_days: int,
    duplicates: dict[str, str] | None = None,
) -> list[Link]:
    """Give every new signature a story_id (in place): the story of its best-scoring neighbour
    within `window_days` when the score reaches `threshold` (a reprint always joins its
    original's), else a story of its own named after it. `context` are signatures already in
    stories. Returns the link each joining article was joined by."""
    duplicates = duplicates or {}
    placed = {sig.key: sig for sig in context}
    days = Days(window_days, list(placed.values()))
    scorer = Scorer(context + new)
    links: list[Link] = []
    order = sorted(new, key=lambda s: (s.published or date.max, s.key))
    for sig in order:
        best: Link | None = None
        original = placed.get(duplicates.get(sig.key, ""))
        if original is not None:
            best = scorer.link(sig, original)
            sig.story_id = original.story_id
        else:
            for other in days.around(sig):
                if other.key == sig.key:
                    continue
                link = scorer.link(sig, other)
                if best is None or link.score > best.score:
                    best = link
            if best is not None and best.score >= threshold:
                sig.story_id = placed[best.other].story_id
            else:
                sig.story_id = sig.key
                best = None
        if best is not None:
            links.append(best)
        placed[sig.key] = sig
        days.add(sig)
    return links
