"""Near-duplicate reprints: the same text under another title, with a sentence added or cut.
MinHash (rensa, a Rust wheel) over word 3-shingles of the body; two articles of one language
within the window are duplicates when the share of equal hash slots, which estimates the
Jaccard similarity of their shingle sets, reaches the threshold. The later one (then the
greater key) is the duplicate of the earlier."""

from __future__ import annotations

import numpy as np
import rensa

from newsetl.enrich.fold import WORD
from newsetl.enrich.stories import Days, Signature

NUM_PERM = 64
SEED = 20240101


def minhash(body: str) -> list[int]:
    words = [w.lower() for w in WORD.findall(body)]
    shingles = [" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))]
    hasher = rensa.RMinHash(num_perm=NUM_PERM, seed=SEED)
    hasher.update(shingles)
    return [int(x) for x in hasher.digest()]


def similarity(a: list[int], b: list[int]) -> float:
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(np.mean(np.asarray(a) == np.asarray(b)))


def find(
    new: list[Signature], context: list[Signature], *, threshold: float, window_days: int
) -> list[tuple[str, str, float]]:
    """(key, duplicate_of, similarity) for every new article that reprints an earlier one:
    compared with the articles of its language in the days around it only."""
    out = []
    pool = {sig.key: sig for sig in context + new}
    days = Days(window_days, list(pool.values()))
    hashes: dict[str, np.ndarray] = {}
    for sig in new:
        others = [
            other
            for other in days.around(sig)
            if other.key != sig.key and other.language == sig.language and _earlier(other, sig)
        ]
        if not others:
            continue
        sims = _similarities(sig, others, hashes)
        best: tuple[float, Signature] | None = None
        for sim, other in zip(sims, others, strict=True):
            if sim >= threshold and (best is None or sim > best[0]):
                best = (sim, other)
        if best is not None:
            out.append((sig.key, best[1].key, round(best[0], 4)))
    return out


def _similarities(
    sig: Signature, others: list[Signature], hashes: dict[str, np.ndarray]
) -> list[float]:
    """similarity(sig, other) for each of `others`, in one array operation."""
    size = len(sig.minhash)
    sims = [0.0] * len(others)
    same = [k for k, other in enumerate(others) if size and len(other.minhash) == size]
    if same:
        for k in same:
            if others[k].key not in hashes:
                hashes[others[k].key] = np.asarray(others[k].minhash, dtype=np.uint64)
        matrix = np.stack([hashes[others[k].key] for k in same])
        equal = (matrix == np.asarray(sig.minhash, dtype=np.uint64)).mean(axis=1)
        for k, value in zip(same, equal.tolist(), strict=True):
            sims[k] = value
    return sims


def _earlier(a: Signature, b: Signature) -> bool:
    return ((a.published or b.published), a.key) < ((b.published or a.published), b.key)
