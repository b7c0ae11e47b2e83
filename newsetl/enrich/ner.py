"""natasha's Russian NER model (slovnet), fed by a faster tokeniser.

The model reads words that razdel cuts, and natasha then finds each word's offsets in the text
again (`find_tokens`). `tokens` makes razdel's cut of a text in one pass over razdel's own atoms
and with razdel's own rules and punctuation tables, and keeps each token's offsets, so no
search is needed to place a name. `tests/enrich/test_ner.py` holds the tokens to razdel's on
real text and on Hypothesis's strings, and the names to natasha's own pipeline. Plain
functions, no Prefect."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from razdel.segmenters.punct import DASHES, ENDINGS
from razdel.segmenters.tokenize import ATOM, SMILE
from slovnet.bio import bio_spans

# Texts per call of the model (natasha's default is 8): fewer, larger matrix products.
NER_BATCH = 32


class Token(NamedTuple):
    start: int
    stop: int
    text: str


class Span(NamedTuple):
    start: int
    stop: int
    type: str  # PER, LOC or ORG


class Doc(NamedTuple):
    text: str
    spans: list[Span]


@lru_cache(maxsize=1)
def ner_tagger():
    from natasha import NewsEmbedding, NewsNERTagger

    tagger = NewsNERTagger(NewsEmbedding())
    tagger.batch_size = tagger.infer.encoder.batch_size = NER_BATCH
    return tagger


def _joins(atoms: list[tuple[int, int, str, str]], i: int, buffer: str) -> bool:
    """razdel's rules (razdel.segmenters.tokenize.RULES, in its order) for atoms i-1 and i with
    nothing between them: whether they belong to one token."""
    _, _, left_type, left = atoms[i - 1]
    _, _, right_type, right = atoms[i]
    # dash, underscore, float and fraction: the atom beside the delimiter on its other side.
    for delimiters, kinds in ((DASHES, None), ("_", None), (".,", "INT"), ("/\\", "INT")):
        if left in delimiters:
            if i < 2:
                continue
            outer_left, outer_right = atoms[i - 2][2], right_type
        elif right in delimiters:
            if i + 1 >= len(atoms):
                continue
            outer_left, outer_right = left_type, atoms[i + 1][2]
        else:
            continue
        if kinds is None:
            if "PUNCT" not in (outer_left, outer_right):
                return True
        elif outer_left == kinds and outer_right == kinds:
            return True
    if left_type == "PUNCT" and right_type == "PUNCT":
        if SMILE.match(buffer + right):
            return True
        if (left in ENDINGS and right in ENDINGS) or left + right in ("--", "**"):
            return True
    if left_type == "OTHER" and right_type in ("OTHER", "RU", "LAT"):
        return True
    if left_type in ("OTHER", "RU", "LAT") and right_type == "OTHER":
        return True
    return left.lower() == "yahoo" and right == "!"


def tokens(text: str) -> list[Token]:
    """razdel.tokenize(text), with offsets: the same tokens, found in one pass."""
    atoms = [(m.start(), m.end(), m.lastgroup, m.group()) for m in ATOM.finditer(text)]
    out: list[Token] = []
    if not atoms:
        return out
    start, stop = atoms[0][0], atoms[0][1]
    for i in range(1, len(atoms)):
        atom_start, atom_stop = atoms[i][0], atoms[i][1]
        if atom_start == stop and _joins(atoms, i, text[start:stop]):
            stop = atom_stop
            continue
        out.append(Token(start, stop, text[start:stop]))
        start, stop = atom_start, atom_stop
    out.append(Token(start, stop, text[start:stop]))
    return out


def tag(texts: list[str]) -> list[Doc]:
    """The model's named spans of each text, in order."""
    infer = ner_tagger().infer
    words = [tokens(text) for text in texts]
    out: list[Doc] = []
    for start in range(0, len(texts), NER_BATCH):
        chunk = words[start : start + NER_BATCH]
        inputs = infer.encoder([[token.text for token in item] for item in chunk])
        preds = infer.decoder(infer.process(inputs))
        for text, item, pred in zip(texts[start : start + NER_BATCH], chunk, preds, strict=True):
            out.append(Doc(text, [Span(s.start, s.stop, s.type) for s in bio_spans(item, pred)]))
    return out
