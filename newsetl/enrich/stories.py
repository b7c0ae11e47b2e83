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

import numpy as np

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
        # For scoring many pairs at once: every item a column, its weight's root per column.
        self._columns = {
            attr: {x: i for i, x in enumerate(self.weights[attr])} for attr in self.ATTRS
        }
        self._roots = {
            attr: np.sqrt(np.fromiter(self.weights[attr].values(), float, len(self.weights[attr])))
            for attr in self.ATTRS
        }
        self._ids: dict[tuple[str, str], np.ndarray] = {}

    def _items(self, sig: Signature, attr: str) -> np.ndarray:
        key = (sig.key, attr)
        if key not in self._ids:
            columns = self._columns[attr]
            found = [columns[x] for x in getattr(sig, attr) if x in columns]
            self._ids[key] = np.asarray(found, dtype=np.int64)
        return self._ids[key]

    def cosines(self, rows: list[Signature], cols: list[Signature], attr: str) -> np.ndarray:
        """The weighted cosine of every (row, col) pair, as `_term` works it out, in one
        matrix product over the items both sides hold."""
        row_ids = [self._items(sig, attr) for sig in rows]
        col_ids = [self._items(sig, attr) for sig in cols]
        out = np.zeros((len(rows), len(cols)))
        if not row_ids or not col_ids:
            return out
        # Only the items both sides hold add to a product: the others' columns are left out.
        vocab = np.intersect1d(np.concatenate(row_ids), np.concatenate(col_ids))
        if not len(vocab):
            return out
        roots = self._roots[attr]
        a = self._matrix(row_ids, vocab, roots)
        b = self._matrix(col_ids, vocab, roots)
        shared = a @ b.T
        norms_r = np.array([self._norm(sig, attr) for sig in rows])
        norms_c = np.array([self._norm(sig, attr) for sig in cols])
        denominator = np.sqrt(np.outer(norms_r, norms_c))
        np.divide(shared, denominator, out=out, where=(denominator > 0) & (shared > 0))
        return out

    @staticmethod
    def _matrix(item_ids: list[np.ndarray], vocab: np.ndarray, roots: np.ndarray) -> np.ndarray:
        """One row per signature, one column per item of `vocab`: the item's weight's root
        where the signature holds it."""
        out = np.zeros((len(item_ids), len(vocab)))
        ids = np.concatenate(item_ids)
        which = np.repeat(np.arange(len(item_ids)), [len(x) for x in item_ids])
        at = np.searchsorted(vocab, ids)
        hit = (at < len(vocab)) & (vocab[np.minimum(at, len(vocab) - 1)] == ids)
        out[which[hit], at[hit]] = roots[ids[hit]]
        return out

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

    def near_dates(self, dates: set[date | None], exclude: set[str]) -> list[Signature]:
        """The dated signatures within the window of any of `dates`, once each, but those of
        `exclude`: a batch's context among signatures already placed."""
        wanted = {
            d + timedelta(days=k) for d in dates if d for k in range(-self.window, self.window + 1)
        }
        return [
            sig
            for day in sorted(wanted)
            for _, sig in self.by_day.get(day, ())
            if sig.key not in exclude
        ]

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
    stories. An article without a date has no days around it: it joins a story only as a
    reprint. Returns the link each joining article was joined by."""
    duplicates = duplicates or {}
    placed = {sig.key: sig for sig in context}
    order = sorted(new, key=lambda s: (s.published or date.max, s.key))
    scorer = Scorer(context + new)
    best = _best_neighbours(scorer, list(placed.values()), order, window_days)
    links: list[Link] = []
    for sig in order:
        link: Link | None = None
        original = placed.get(duplicates.get(sig.key, ""))
        if original is not None:
            link = scorer.link(sig, original)
            sig.story_id = original.story_id
        elif (link := best.get(sig.key)) is not None and link.score >= threshold:
            sig.story_id = placed[link.other].story_id
        else:
            sig.story_id = sig.key
            link = None
        if link is not None:
            links.append(link)
        placed[sig.key] = sig
    return links


def _best_neighbours(
    scorer: Scorer, placed: list[Signature], order: list[Signature], window_days: int
) -> dict[str, Link]:
    """For each new signature, its best link among the signatures placed before it (those of
    `placed`, then the new ones earlier in `order`) within the window: the first of the
    highest score, as one pass in that order would find it. Scored a day at a time, every
    article of the day against the days around it in one matrix product per term."""
    days = Days(window_days, [*placed, *order])
    rank = {id(sig): i for i, sig in enumerate([*placed, *order])}
    by_day: dict[date, list[Signature]] = {}
    for sig in order:
        if sig.published is not None:
            by_day.setdefault(sig.published, []).append(sig)
    out: dict[str, Link] = {}
    for day, rows in by_day.items():
        cols = days.around(rows[0])
        e, n, p = (scorer.cosines(rows, cols, attr) for attr in Scorer.ATTRS)
        gaps = np.array([abs((sig.published - day).days) for sig in cols])
        factor = np.maximum(0.0, 1.0 - 0.1 * gaps)
        score = factor * (W_ENTITIES * e + W_NUMBERS * n + W_PREFIXES * p)
        col_rank = np.array([rank[id(sig)] for sig in cols])
        col_keys = np.array([sig.key for sig in cols], dtype=object)
        for r, sig in enumerate(rows):
            valid = (col_rank < rank[id(sig)]) & (col_keys != sig.key)
            if not valid.any():
                continue
            rounded = np.where(valid, np.round(score[r], 4), -np.inf)
            c = int(np.argmax(rounded))
            out[sig.key] = Link(
                sig.key, cols[c].key, round(float(score[r, c]), 4), round(float(e[r, c]), 4),
                round(float(n[r, c]), 4), round(float(p[r, c]), 4),
            )  # fmt: skip
    return out
