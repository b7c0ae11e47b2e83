"""Near-duplicate reprints: the same text under another title, with a sentence added or cut.
MinHash (rensa, a Rust wheel) over word 3-shingles of the body; two articles of one language
within the window are duplicates when the share of equal hash slots, which estimates the
Jaccard similarity of their shingle sets, reaches the threshold. Each slot keeps the low 16
bits of its hash (b-bit MinHash): two different hashes agree by chance in one slot of 65,536,
which moves no estimate by a visible amount, and a signature is 128 bytes to store and read.
The later one (then the greater key) is the duplicate of the earlier."""

from __future__ import annotations

import numpy as np
import polars as pl
import rensa

from newsetl.enrich.fold import WORD
from newsetl.enrich.stories import Signature, Window

NUM_PERM = 64
SEED = 20240101
SLOT = np.dtype("<u2")  # a slot as stored: the hash's low 16 bits, little-endian


def minhash(body: str, words: list[str] | None = None) -> list[int]:
    """`words`: WORD.findall(body), if the caller has them already."""
    words = [w.lower() for w in (WORD.findall(body) if words is None else words)]
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    hasher = rensa.RMinHash(num_perm=NUM_PERM, seed=SEED)
    hasher.update(shingles)
    return [int(x) & 0xFFFF for x in hasher.digest()]


def packed(slots: list[int] | np.ndarray) -> bytes:
    """A signature's slots as the lake stores them."""
    return np.asarray(slots, dtype=SLOT).tobytes()


def minhash_rows(column: pl.Series) -> list[np.ndarray | list[int]]:
    """The lake's packed slots as rows of one array, without a Python int per slot; a row
    without a full set of slots (an empty body) is an empty list."""
    values = column.to_list()
    size = NUM_PERM * SLOT.itemsize
    full = [i for i, value in enumerate(values) if value is not None and len(value) == size]
    matrix = np.frombuffer(b"".join(values[i] for i in full), dtype=SLOT).reshape(-1, NUM_PERM)
    rows: list[np.ndarray | list[int]] = [[] for _ in range(len(values))]
    for i, row in zip(full, matrix, strict=True):
        rows[i] = row
    return rows


def similarity(a: list[int], b: list[int]) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(np.mean(np.asarray(a) == np.asarray(b)))


def find(
    new: list[Signature], context: list[Signature], *, threshold: float, window_days: int
) -> list[tuple[str, str, float]]:
    """(key, duplicate_of, similarity) for every new article that reprints an earlier one:
    compared with the articles of its language in the days around it only (an undated one
    with the undated ones), a day at a time, the hash slots compared in one array operation."""
    pool = list({sig.key: sig for sig in context + new}.values())
    window = Window(window_days, pool)
    matrix, usable = _hashes(pool)
    languages = np.array([sig.language for sig in pool], dtype=object)
    keys = np.array([sig.key for sig in pool], dtype=object)
    by_day: dict[object, list[Signature]] = {}
    for sig in new:
        by_day.setdefault(sig.published, []).append(sig)
    found: dict[str, tuple[str, float]] = {}
    for day, rows in by_day.items():
        cols = window.around(day)
        col_days, col_keys, col_languages = window.days[cols], keys[cols], languages[cols]
        for start in range(0, len(rows), ROWS_AT_ONCE):
            part = rows[start : start + ROWS_AT_ONCE]
            sims = _similarities(part, matrix[cols], usable[cols])
            for r, sig in enumerate(part):
                # The columns that came first: an earlier day, or the same day (or both
                # undated) and a smaller key.
                at = sig.published.toordinal() if sig.published else Window.UNDATED
                earlier = (col_days < at) | ((col_days == at) & (col_keys < sig.key))
                valid = (col_languages == sig.language) & (col_keys != sig.key) & earlier
                best = _first_best(sims[r], valid, threshold)
                if best is not None:
                    found[sig.key] = (col_keys[best], round(float(sims[r, best]), 4))
    return [(sig.key, *found[sig.key]) for sig in new if sig.key in found]


# Rows compared with a block of columns at once: bounds the comparison's memory.
ROWS_AT_ONCE = 64


def _hashes(cols: list[Signature]) -> tuple[np.ndarray, np.ndarray]:
    """The columns' hashes as one matrix, and which columns have a full set of them."""
    usable = np.array([len(sig.minhash) == NUM_PERM for sig in cols], dtype=bool)
    matrix = np.zeros((len(cols), NUM_PERM), dtype=SLOT)
    for c, sig in enumerate(cols):
        if usable[c]:
            matrix[c] = sig.minhash
    return matrix, usable


def _similarities(rows: list[Signature], matrix: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """similarity() of every (row, column) pair: 0 where either lacks its hashes."""
    hashes, _ = _hashes(rows)
    sims = (hashes[:, None, :] == matrix[None, :, :]).mean(axis=2)
    row_usable = np.array([len(sig.minhash) == NUM_PERM for sig in rows], dtype=bool)
    sims[~row_usable, :] = 0.0
    sims[:, ~usable] = 0.0
    return sims


def _first_best(sims: np.ndarray, valid: np.ndarray, threshold: float) -> int | None:
    """The first column of the highest similarity reaching the threshold, among the valid."""
    candidates = np.where(valid & (sims >= threshold), sims, -1.0)
    if not len(candidates) or candidates.max() < 0:
        return None
    return int(np.argmax(candidates))
