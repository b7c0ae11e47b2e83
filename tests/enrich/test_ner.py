"""newsetl.enrich.ner cuts words as razdel does and finds the names natasha's own pipeline finds:
on the gold set's and the samples' real text, and on Hypothesis's strings built from the
characters razdel's rules look at."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from razdel import tokenize

from bench.eval_enrich import load
from newsetl.enrich import ner
from newsetl.parse.article import parse_article
from tests.conftest import SAMPLE


def razdel_tokens(text: str) -> list[tuple[int, int, str]]:
    return [(t.start, t.stop, t.text) for t in tokenize(text)]


def mine(text: str) -> list[tuple[int, int, str]]:
    return [tuple(t) for t in ner.tokens(text)]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    _, articles = load()
    out = [text for a in articles for text in [a.title or "", *a.paragraphs]]
    for path in sorted(SAMPLE.iterdir()):
        parsed = parse_article(path.name, path.read_bytes())
        out += [parsed.title or "", *parsed.paragraphs]
    return out


def test_tokens_are_razdels_on_real_text(texts: list[str]) -> None:
    assert len(texts) > 500
    for text in texts:
        assert mine(text) == razdel_tokens(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Алма-Ата, 1,5 млн тенге (т.е. 2/3) — «Самрук-Қазына»!?",
        "Счёт 2:1... yahoo! :-) ;((( -- ** -x x- _a a_ 3.14.15 1\\2",
        "ΔP Δσ mβж қазақ тілі Қазақстан-2050",
        "",
        "   ",
        "-",
        "x--y 1..2 ?! …",
    ],
)
def test_tokens_are_razdels_on_the_rules_edges(text: str) -> None:
    assert mine(text) == razdel_tokens(text)


# Every kind of atom razdel has (Russian and Latin letters, digits, its punctuation, other
# letters) and the spaces between them.
ALPHABET = "аБёЁzQ09-–—_.,/\\:;()=!?…«»\"'*әҚΔ \n"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_tokens_are_razdels_on_any_string(text: str) -> None:
    assert mine(text) == razdel_tokens(text)


def test_tagged_names_are_natashas(texts: list[str]) -> None:
    """Against natasha's own pipeline (its razdel tokens, its offsets found again)."""
    from natasha import NewsEmbedding, NewsNERTagger

    plain = NewsNERTagger(NewsEmbedding())
    leads = sorted(texts, key=len)[-300:]  # the longest: the most names and the most windows
    theirs = [[(s.start, s.stop, s.type) for s in doc.spans] for doc in plain.map(leads)]
    ours = [[tuple(s) for s in doc.spans] for doc in ner.tag(leads)]
    assert ours == theirs
    assert sum(map(len, ours)) > 100
    # Offsets point at the name in the text.
    doc = ner.tag(["Президент Касым-Жомарт Токаев прилетел в Астану."])[0]
    found = {(doc.text[s.start : s.stop], s.type) for s in doc.spans}
    assert ("Касым-Жомарт Токаев", "PER") in found and ("Астану", "LOC") in found
