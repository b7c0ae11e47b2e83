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
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain

import numpy as np
import polars as pl

W_ENTITIES, W_NUMBERS, W_PREFIXES = 0.45, 0.25, 0.30
# Kinds weigh differently: a person or an organisation says more about which event it is.
KIND_WEIGHT = {"person": 1.5, "org": 1.2, "place": 1.0}


@dataclass
class Signature:
    key: str
    language: str
    published: date | None
    # None for a signature read back from the lake: its items stay in the frame read
    # (Scorer's `stored`), never turned into Python sets.
    entities: set[str] | None
    numbers: set[str] | None
    prefixes: set[int] | None  # fold.prefix_code of each
    minhash: list[int] | np.ndarray = field(default_factory=list)  # an array when read back
    story_id: str | None = None


@dataclass(frozen=True)
class Link:
    key: str
    other: str
    score: float
    entities: float
    numbers: float
    prefixes: float


def _kind_weight(entity_id: str) -> float:
    kind = entity_id.split(":", 1)[0] if ":" in entity_id else "place"
    if entity_id.startswith("kz.") and not entity_id.endswith(("_region", "river")):
        kind = "org" if "." in entity_id else kind
    return KIND_WEIGHT.get(kind, 1.0)


class Scorer:
    """Scores pairs of signatures. Every item of the pool (the signatures compared) is coded
    once as an integer in one columnar pass, the three kinds in consecutive ranges of codes:
    an item's weight, each signature's norms and the items a signature holds are then arrays,
    whether the signatures came as Python sets (a batch's own) or as the lake's lists
    (`stored`: key and the three lists, one row per signature whose items are None)."""

    ATTRS = ("entities", "numbers", "prefixes")

    def __init__(self, pool: list[Signature], stored: pl.DataFrame | None = None) -> None:
        size = len(pool)
        self.row = {sig.key: i for i, sig in enumerate(pool)}
        live = [sig for sig in pool if sig.entities is not None]
        rows = pl.DataFrame({"key": list(self.row), "row": list(self.row.values())},
                            schema={"key": pl.String, "row": pl.Int64})  # fmt: skip
        if stored is not None:
            stored = stored.join(rows, on="key", how="inner")
        self.vocab: dict[str, pl.Series] = {}
        self.weights: dict[str, np.ndarray] = {}  # an item's squared weight, by its kind's code
        self._bounds = [0]  # the codes of ATTRS[k] are bounds[k] .. bounds[k + 1] - 1
        norms, all_owners, all_codes = [], [], []
        for attr in self.ATTRS:
            owners, items = self._flat(live, stored, attr)
            codes = self._code(attr, items, size)
            norms.append(np.bincount(owners, weights=self.weights[attr][codes], minlength=size))
            all_owners.append(owners)
            all_codes.append(codes + self._bounds[-1])
            self._bounds.append(self._bounds[-1] + len(self.vocab[attr]))
        self._norms = np.stack(norms)  # [kind, row]
        self._roots = np.sqrt(np.concatenate([self.weights[attr] for attr in self.ATTRS]))
        owners = np.concatenate(all_owners)
        codes = np.concatenate(all_codes)[np.argsort(owners, kind="stable")]
        ends = np.cumsum(np.bincount(owners, minlength=size))
        self._items = np.split(codes, ends[:-1]) if size else []  # a row's codes, kinds in order

    def _flat(
        self, live: list[Signature], stored: pl.DataFrame | None, attr: str
    ) -> tuple[np.ndarray, pl.Series]:
        """Every (row, item) of the pool: the sets' items, then the stored lists' exploded."""
        sets = [getattr(sig, attr) for sig in live]
        owners = [np.repeat(np.array([self.row[s.key] for s in live], dtype=np.int64),
                            [len(x) for x in sets])]  # fmt: skip
        dtype = pl.UInt64 if attr == "prefixes" else pl.String  # prefixes are codes
        items = [pl.Series(attr, list(chain.from_iterable(sets)), dtype=dtype)]
        if stored is not None and len(stored):
            exploded = stored.select("row", attr).explode(attr).drop_nulls()
            owners.append(exploded["row"].to_numpy().astype(np.int64))
            items.append(exploded[attr])
        return np.concatenate(owners), pl.concat(items)

    def _code(self, attr: str, items: pl.Series, size: int) -> np.ndarray:
        """Each item's code among its kind's; sets the kind's vocabulary and weights: the
        inverse document frequency among the pool (times the kind's weight for an entity),
        squared."""
        if items.dtype == pl.String:
            raw = items.cast(pl.Categorical(pl.Categories.random())).to_physical().to_numpy()
        else:
            raw = items.to_numpy()
        _, first, codes = np.unique(raw, return_index=True, return_inverse=True)
        vocab = items.gather(first)
        df = np.bincount(codes, minlength=len(vocab))  # a signature holds an item once
        idf = np.log((size + 1) / np.maximum(df, 1)) + 0.1
        if attr == "entities":
            idf = idf * np.fromiter(map(_kind_weight, vocab), float, len(vocab))
        self.vocab[attr] = vocab
        self.weights[attr] = idf**2
        return codes.reshape(-1)

    def scores(self, rows: list[Signature], cols: list[Signature]) -> np.ndarray:
        """The weighted cosine of every (row, col) pair for each kind of item ([kind, row,
        col]): one matrix over the items both sides hold, a product per kind."""
        at_rows = [self.row[sig.key] for sig in rows]
        at_cols = [self.row[sig.key] for sig in cols]
        out = np.zeros((len(self.ATTRS), len(rows), len(cols)))
        if not rows or not cols:
            return out
        row_ids = [self._items[r] for r in at_rows]
        col_ids = [self._items[c] for c in at_cols]
        # Only the items both sides hold add to a product: the others' columns are left out.
        vocab = np.intersect1d(np.concatenate(row_ids), np.concatenate(col_ids))
        if not len(vocab):
            return out
        a = self._matrix(row_ids, vocab, self._roots)
        b = self._matrix(col_ids, vocab, self._roots)
        cuts = np.searchsorted(vocab, self._bounds)
        for k in range(len(self.ATTRS)):
            lo, hi = cuts[k], cuts[k + 1]
            if lo == hi:
                continue
            shared = a[:, lo:hi] @ b[:, lo:hi].T
            norms = self._norms[k]
            denominator = np.sqrt(np.outer(norms[at_rows], norms[at_cols]))
            np.divide(shared, denominator, out=out[k], where=(denominator > 0) & (shared > 0))
        return out

    def cosines(self, rows: list[Signature], cols: list[Signature], attr: str) -> np.ndarray:
        """`scores` of one kind of item."""
        return self.scores(rows, cols)[self.ATTRS.index(attr)]

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

    def link(self, a: Signature, b: Signature) -> Link:
        e, n, p = (float(x) for x in self.scores([a], [b])[:, 0, 0])
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
    stored: pl.DataFrame | None = None,
) -> list[Link]:
    """Give every new signature a story_id (in place): the story of its best-scoring neighbour
    within `window_days` when the score reaches `threshold` (a reprint always joins its
    original's), else a story of its own named after it. `context` are signatures already in
    stories; `stored` the items of those read from the lake (see Scorer). An article without a
    date has no days around it: it joins a story only as a reprint. Returns the link each
    joining article was joined by."""
    duplicates = duplicates or {}
    placed = {sig.key: sig for sig in context}
    order = sorted(new, key=lambda s: (s.published or date.max, s.key))
    scorer = Scorer(context + new, stored)
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
        e, n, p = scorer.scores(rows, cols)
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
