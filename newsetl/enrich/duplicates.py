"""Near-duplicate reprints: the same text under another title, with a sentence added or cut.
MinHash (rensa, a Rust wheel) over word 3-shingles of the body; two articles of one language
within the window are duplicates when the share of equal hash slots, which estimates the
Jaccard similarity of their shingle sets, reaches the threshold. The later one (then the
greater key) is the duplicate of the earlier."""

from __future__ import annotations

import numpy as np
import rensa

from newsetl.enrich.fold import WORD
from newsetl.enrich.stories import Signature, near

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
    """(key, duplicate_of, similarity) for every new article that reprints an earlier one."""
    out = []
    pool = {sig.key: sig for sig in context + new}
    for sig in new:
        best: tuple[float, Signature] | None = None
        for other in pool.values():
            if other.key == sig.key or other.language != sig.language:
                continue
            if not near(sig, other, window_days) or not _earlier(other, sig):
                continue
            sim = similarity(sig.minhash, other.minhash)
            if sim >= threshold and (best is None or sim > best[0]):
                best = (sim, other)
        if best is not None:
            out.append((sig.key, best[1].key, round(best[0], 4)))
    return out


def _earlier(a: Signature, b: Signature) -> bool:
    return ((a.published or b.published), a.key) < ((b.published or a.published), b.key)
