"""Stories: articles of one event, in either language, linked by evidence that needs no
translation. Each article gets a signature (its entities, numbers and folded 5-letter word
prefixes, and a MinHash of its word shingles); a new article is compared with the articles of
the days around it only, and joins the story of the best one when the score reaches the
threshold, else it starts a story of its own.

score = date_factor * (W_ENTITIES * entities + W_NUMBERS * numbers + W_PREFIXES * prefixes),
each term a cosine over the two sets weighted by inverse document frequency among the articles
compared (an entity every article names, like Kazakhstan, counts for little)."""

from __future__ import annotations

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
        stored_rows = np.zeros(0, dtype=np.int64)  # the pool's row of each stored signature
        if stored is not None:
            rows = pl.DataFrame({"key": list(self.row), "row": list(self.row.values())},
                                schema={"key": pl.String, "row": pl.Int64})  # fmt: skip
            at = stored.select("key").join(rows, on="key", how="left", maintain_order="left")
            if at["row"].null_count():
                stored, at = stored.filter(at["row"].is_not_null()), at.drop_nulls()
            stored_rows = at["row"].to_numpy()
        self.vocab: dict[str, pl.Series] = {}
        self.weights: dict[str, np.ndarray] = {}  # an item's squared weight, by its kind's code
        self._bounds = [0]  # the codes of ATTRS[k] are bounds[k] .. bounds[k + 1] - 1
        norms, all_owners, all_codes = [], [], []
        for attr in self.ATTRS:
            owners, items = self._flat(live, stored, stored_rows, attr)
            codes = self._code(attr, items, size)
            norms.append(np.bincount(owners, weights=self.weights[attr][codes], minlength=size))
            all_owners.append(owners)
            all_codes.append(codes + self._bounds[-1])
            self._bounds.append(self._bounds[-1] + len(self.vocab[attr]))
        self._norms = np.stack(norms)  # [kind, row]
        self._squares = np.concatenate([self.weights[attr] for attr in self.ATTRS])
        self._roots = np.sqrt(self._squares)
        self._kinds = np.repeat(np.arange(len(self.ATTRS)), np.diff(self._bounds))  # by code
        owners = np.concatenate(all_owners)
        # Every row's codes, kinds in order, one after another: row r's are
        # codes[starts[r] : starts[r + 1]].
        self._codes = np.concatenate(all_codes)[np.argsort(owners, kind="stable")]
        self._starts = np.concatenate([[0], np.cumsum(np.bincount(owners, minlength=size))])

    def _items(self, row: int) -> np.ndarray:
        return self._codes[self._starts[row] : self._starts[row + 1]]

    def _flat(
        self,
        live: list[Signature],
        stored: pl.DataFrame | None,
        stored_rows: np.ndarray,
        attr: str,
    ) -> tuple[np.ndarray, pl.Series]:
        """Every (row, item) of the pool: the sets' items, then the stored lists' values (their
        rows repeated by the lists' lengths: the lists are never exploded into a frame)."""
        sets = [getattr(sig, attr) for sig in live]
        owners = [np.repeat(np.array([self.row[s.key] for s in live], dtype=np.int64),
                            [len(x) for x in sets])]  # fmt: skip
        dtype = pl.UInt64 if attr == "prefixes" else pl.String  # prefixes are codes
        items = [pl.Series(attr, list(chain.from_iterable(sets)), dtype=dtype)]
        if stored is not None and len(stored):
            column = stored[attr]
            owners.append(np.repeat(stored_rows, column.list.len().fill_null(0).to_numpy()))
            items.append(column.explode(empty_as_null=False, keep_nulls=False))
        return np.concatenate(owners), pl.concat(items)

    def _code(self, attr: str, items: pl.Series, size: int) -> np.ndarray:
        """Each item's code among its kind's; sets the kind's vocabulary and weights: the
        inverse document frequency among the pool (times the kind's weight for an entity),
        squared. Codes follow the items' order, but only the distinct items are sorted: the
        pool's items are counted and coded by hash."""
        flat = items.rename("item").to_frame()
        counted = flat.group_by("item").len().sort("item").with_row_index("code")
        codes = flat.join(
            counted.select("item", "code"), on="item", how="left", maintain_order="left"
        )["code"]
        vocab = counted["item"]
        df = counted["len"].to_numpy()  # a signature holds an item once
        idf = np.log((size + 1) / np.maximum(df, 1)) + 0.1
        if attr == "entities":
            idf = idf * np.fromiter(map(_kind_weight, vocab), float, len(vocab))
        self.vocab[attr] = vocab
        self.weights[attr] = idf**2
        return codes.to_numpy().astype(np.int64, copy=False)

    def scores(self, rows: list[Signature], cols: list[Signature]) -> np.ndarray:
        """The weighted cosine of every (row, col) pair for each kind of item ([kind, row,
        col]): one matrix over the items both sides hold, a product per kind."""
        at_rows = [self.row[sig.key] for sig in rows]
        at_cols = [self.row[sig.key] for sig in cols]
        out = np.zeros((len(self.ATTRS), len(rows), len(cols)))
        if not rows or not cols:
            return out
        row_ids = [self._items(r) for r in at_rows]
        col_ids = [self._items(c) for c in at_cols]
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

    def pair_scores(
        self, rows: list[Signature], pair_rows: np.ndarray, pair_cols: np.ndarray
    ) -> np.ndarray:
        """`scores` of listed pairs only ([kind, pair]): pair i is rows[pair_rows[i]] against
        the pool's signature pair_cols[i] (its index in `row`). For rows that each meet few
        columns, where one matrix a day would cost more to build than to multiply: every item
        of every pair's column is looked up in a table of what each row holds."""
        out = np.zeros((len(self.ATTRS), len(pair_rows)))
        at_rows = np.array([self.row[sig.key] for sig in rows], dtype=np.int64)
        # Rows a table at a time: a table is (its rows) x (the items any row holds) cells.
        width = max(1, len(np.unique(self._codes[_ranges(*self._spans(at_rows))])))
        step = max(1, TABLE_CELLS // width)
        for first in range(0, len(rows), step):
            pairs = np.flatnonzero((pair_rows >= first) & (pair_rows < first + step))
            if len(pairs):
                out[:, pairs] = self._table_scores(
                    at_rows[first : first + step], pair_rows[pairs] - first, pair_cols[pairs]
                )
        return out

    def _spans(self, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the codes of the pool's rows `at` start in `_codes`, and how many they are."""
        return self._starts[at], self._starts[at + 1] - self._starts[at]

    def _table_scores(
        self, at_rows: np.ndarray, pair_rows: np.ndarray, pair_cols: np.ndarray
    ) -> np.ndarray:
        kinds = len(self.ATTRS)
        starts, lengths = self._spans(at_rows)
        held = self._codes[_ranges(starts, lengths)]
        # The items any of the rows holds, numbered from 1 (0: an item none holds); then
        # which row holds which, one cell each.
        items, slot = np.unique(held, return_inverse=True)
        slot_of = np.zeros(self._bounds[-1] + 1, dtype=np.int64)
        slot_of[items] = np.arange(1, len(items) + 1)
        holds = np.zeros((len(at_rows), len(items) + 1), dtype=bool)
        holds[np.repeat(np.arange(len(at_rows)), lengths), slot.reshape(-1) + 1] = True
        # Every item of every pair's column, asked of the pair's row.
        starts, lengths = self._spans(pair_cols)
        pair_of = np.repeat(np.arange(len(pair_cols)), lengths)
        codes = self._codes[_ranges(starts, lengths)]
        shared = holds[pair_rows[pair_of], slot_of[codes]]
        pair_of, codes = pair_of[shared], codes[shared]
        products = (
            np.bincount(
                pair_of * kinds + self._kinds[codes],
                weights=self._squares[codes],
                minlength=len(pair_rows) * kinds,
            )
            .reshape(len(pair_rows), kinds)
            .T
        )
        out = np.zeros((kinds, len(pair_rows)))
        for k in range(kinds):
            denominator = np.sqrt(self._norms[k][at_rows[pair_rows]] * self._norms[k][pair_cols])
            np.divide(products[k], denominator, out=out[k],
                      where=(denominator > 0) & (products[k] > 0))  # fmt: skip
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


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices starts[i] .. starts[i] + lengths[i] - 1 of every i, one after another."""
    ends = np.cumsum(lengths)
    return np.arange(ends[-1] if len(ends) else 0) + np.repeat(starts - ends + lengths, lengths)


def near(a: Signature, b: Signature, window_days: int) -> bool:
    if a.published is None or b.published is None:
        return a.published is None and b.published is None
    return abs((a.published - b.published).days) <= window_days


class Days:
    """Signatures by publication day, as a run adds them: a batch's context among those
    already placed is read from the days around it only, never from every signature."""

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


class Window:
    """A fixed list of signatures by publication day, as arrays: the positions of those
    within the window of a day are one range of the day-sorted list, returned in list order
    (never a pass over every signature)."""

    UNDATED = -(10**9)

    def __init__(self, window_days: int, signatures: list[Signature]) -> None:
        self.window = window_days
        self.days = np.array(
            [s.published.toordinal() if s.published else self.UNDATED for s in signatures],
            dtype=np.int64,
        )
        self._order = np.argsort(self.days, kind="stable")
        self._sorted = self.days[self._order]

    def around(self, day: date | None) -> np.ndarray:
        """Positions of the signatures `near` an article of this day (an undated article's:
        the undated ones), in list order."""
        low = high = self.UNDATED
        if day is not None:
            low, high = day.toordinal() - self.window, day.toordinal() + self.window
        lo = np.searchsorted(self._sorted, low, side="left")
        hi = np.searchsorted(self._sorted, high, side="right")
        return np.sort(self._order[lo:hi])


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


# A day with more new articles than this is scored as one matrix product per term; the new
# articles of sparser days (an hourly run's, spread over the archive's dates) are scored
# together, pair by pair, PAIRS_AT_ONCE pairs at a time (bounding the memory that takes).
FEW_ROWS = 4
PAIRS_AT_ONCE = 10_000
# Cells of one table of Scorer.pair_scores (rows x the items they hold): bounds its memory.
TABLE_CELLS = 1 << 23


def _best_neighbours(
    scorer: Scorer, placed: list[Signature], order: list[Signature], window_days: int
) -> dict[str, Link]:
    """For each new signature, its best link among the signatures placed before it (those of
    `placed`, then the new ones earlier in `order`) within the window: the first of the
    highest score, as one pass in that order would find it. Scored a day at a time, every
    article of the day against the days around it, or for days of few new articles, those
    articles' pairs together (Scorer.pair_scores)."""
    every = [*placed, *order]  # a signature's position is its rank: the pass's order
    window = Window(window_days, every)
    keys = np.array([sig.key for sig in every], dtype=object)
    rows_of = np.array([scorer.row[key] for key in keys], dtype=np.int64)
    by_day: dict[date, list[tuple[int, Signature]]] = {}
    for rank, sig in enumerate(order, len(placed)):
        if sig.published is not None:
            by_day.setdefault(sig.published, []).append((rank, sig))
    out: dict[str, Link] = {}
    waiting: list[tuple[Signature, np.ndarray, np.ndarray, np.ndarray]] = []

    def score_waiting() -> None:
        rows = [sig for sig, *_ in waiting]
        counts = [len(cols) for _, cols, *_ in waiting]
        pair_rows = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
        pair_cols = rows_of[np.concatenate([cols for _, cols, *_ in waiting])]
        e, n, p = scorer.pair_scores(rows, pair_rows, pair_cols)
        bounds = np.cumsum([0, *counts])
        for i, (sig, cols, factor, valid) in enumerate(waiting):
            at = slice(bounds[i], bounds[i + 1])
            out[sig.key] = _best(sig, keys[cols], factor, valid, e[at], n[at], p[at])
        waiting.clear()

    pairs = 0
    for day, rows in by_day.items():
        cols = window.around(day)
        factor = np.maximum(0.0, 1.0 - 0.1 * np.abs(window.days[cols] - day.toordinal()))
        valid = [(cols < rank) & (keys[cols] != sig.key) for rank, sig in rows]
        if len(rows) > FEW_ROWS:
            e, n, p = scorer.scores([sig for _, sig in rows], [every[c] for c in cols])
            for r, (_, sig) in enumerate(rows):
                if valid[r].any():
                    out[sig.key] = _best(sig, keys[cols], factor, valid[r], e[r], n[r], p[r])
            continue
        for r, (_, sig) in enumerate(rows):
            if valid[r].any():
                waiting.append((sig, cols, factor, valid[r]))
                pairs += len(cols)
        if pairs >= PAIRS_AT_ONCE:
            score_waiting()
            pairs = 0
    if waiting:
        score_waiting()
    return out


def _best(
    sig: Signature,
    col_keys: np.ndarray,
    factor: np.ndarray,
    valid: np.ndarray,
    e: np.ndarray,
    n: np.ndarray,
    p: np.ndarray,
) -> Link:
    """The link to the first column of the highest score (rounded as stored) among the valid."""
    score = factor * (W_ENTITIES * e + W_NUMBERS * n + W_PREFIXES * p)
    c = int(np.argmax(np.where(valid, np.round(score, 4), -np.inf)))
    return Link(
        sig.key, col_keys[c], round(float(score[c]), 4), round(float(e[c]), 4),
        round(float(n[c]), 4), round(float(p[c]), 4),
    )  # fmt: skip
