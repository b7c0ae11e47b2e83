"""The shortcuts the enrichment takes for speed give what the plain way gives: the worker pool
the same mentions and stories as one process; the day index the same neighbours as comparing
every pair; the lake read only the entities a batch's text could name. Timing is the bench's
business (bench/enrich_speed.py), never a test's."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl

from bench.eval_enrich import load
from newsetl.enrich import duplicates, stories
from newsetl.enrich.batch import Options, analyse, enrich, wanted_ids
from newsetl.enrich.fold import name_key, prefix_code
from newsetl.enrich.mentions import Known, Words, resolve, run_of
from newsetl.enrich.mentions import analyse as analyse_one
from newsetl.enrich.run import read_known
from newsetl.enrich.stories import Days, Signature, Window, near
from tests.enrich.test_lake import lake, put  # noqa: F401 (the fixture)


def _options(**changes) -> Options:
    return replace(Options(0.3, 2, 0.6, 3), **changes)


def _outcome(result) -> tuple:
    return (
        sorted((k, m) for k, m in result.mentions),
        sorted((s.key, s.story_id) for s in result.signatures),
        sorted(result.duplicates),
    )


def test_worker_pool_gives_what_one_process_gives() -> None:
    _, articles = load()
    alone = enrich(articles, [], set(), _options(processes=1))
    pooled = enrich(articles, [], set(), _options(processes=2, pool_min_articles=0))
    assert _outcome(pooled) == _outcome(alone)
    assert len(alone.mentions) > 500


def test_day_index_finds_exactly_the_articles_within_the_window() -> None:
    days = [date(2024, 3, d) for d in (1, 2, 3, 3, 5, 9)]
    sigs = [Signature(f"k{i}", "kk", d, set(), set(), set()) for i, d in enumerate(days)]
    sigs.append(Signature("undated", "kk", None, set(), set(), set()))
    shuffled = [sigs[i] for i in (5, 0, 6, 3, 1, 4, 2)]  # positions come in list order
    window = Window(2, shuffled)
    for sig in shuffled:
        expected = [other.key for other in shuffled if near(sig, other, 2)]
        assert [shuffled[i].key for i in window.around(sig.published)] == expected
    index = Days(2, sigs)
    assert [s.key for s in index.near_dates({date(2024, 3, 7)}, {"k5"})] == ["k4"]


def test_undated_article_joins_a_story_only_as_a_reprint() -> None:
    _, articles = load()
    source = next(a for a in articles if a.language == "ru")
    undated = [replace(source, key=f"u{i}", published=None) for i in range(3)]
    result = enrich(undated, [], set(), _options())
    found = {key: original for key, original, _ in result.duplicates}
    assert found == {"u1": "u0", "u2": "u0"}  # the same text: reprints of the first
    assert {s.story_id for s in result.signatures} == {"u0"}
    other = replace(articles[1], key="v", published=None)
    alone = enrich([undated[0], other], [], set(), _options())
    assert {s.key: s.story_id for s in alone.signatures} == {"u0": "u0", "v": "v"}


def _pairwise(pool: list[Signature], a: Signature, b: Signature, attr: str) -> float:
    """The weighted cosine as the module's docstring defines it, one pair at a time: an
    item's weight is its idf among the pool (times its kind's weight for an entity)."""
    df = Counter(item for sig in pool for item in getattr(sig, attr))
    kind = stories._kind_weight if attr == "entities" else (lambda _: 1.0)
    w2 = {x: ((math.log((len(pool) + 1) / n) + 0.1) * kind(x)) ** 2 for x, n in df.items()}
    left, right = getattr(a, attr), getattr(b, attr)
    norm_a, norm_b = sum(w2[x] for x in left), sum(w2[x] for x in right)
    shared = sum(w2[x] for x in left & right)
    return shared / math.sqrt(norm_a * norm_b) if shared else 0.0


def test_scores_of_a_day_match_the_pairwise_scorer() -> None:
    _, articles = load()
    result = enrich(articles, [], set(), _options())
    sigs = result.signatures
    scorer = stories.Scorer(sigs)
    for attr in stories.Scorer.ATTRS:
        matrix = scorer.cosines(sigs[:20], sigs, attr)
        assert (matrix > 0.05).sum() > 20  # pairs that share items are among them
        for r, a in enumerate(sigs[:20]):
            for c, b in enumerate(sigs):
                assert abs(matrix[r, c] - _pairwise(sigs, a, b, attr)) < 1e-9


def test_signatures_read_back_from_the_lake_score_as_their_sets_do() -> None:
    """Context read from the lake keeps its items as the lake's lists (`stored`): the scores
    and the stories are those of the same signatures held as Python sets."""
    _, articles = load()
    sigs = enrich(articles, [], set(), _options()).signatures
    stored = pl.DataFrame(
        [(s.key, sorted(s.entities), sorted(s.numbers), sorted(s.prefixes)) for s in sigs],
        schema={"key": pl.String, "entities": pl.List(pl.String),
                "numbers": pl.List(pl.String), "prefixes": pl.List(pl.UInt64)},
        orient="row",
    )  # fmt: skip
    bare = [replace(s, entities=None, numbers=None, prefixes=None) for s in sigs]
    half = len(sigs) // 2
    mixed = [*bare[:half], *sigs[half:]]  # read back, and a batch's own
    as_sets, as_read = stories.Scorer(sigs), stories.Scorer(mixed, stored[:half])
    # A stored row of no signature in the pool counts for nothing.
    stray = stored[-1:].with_columns(pl.lit("not-in-the-pool.txt").alias("key"))
    with_stray = stories.Scorer(mixed, pl.concat([stray, stored[:half]]))
    for attr in stories.Scorer.ATTRS:
        expected = as_sets.cosines(sigs, sigs, attr)
        assert expected.any()
        assert np.allclose(as_read.cosines(mixed, mixed, attr), expected, rtol=0, atol=1e-12)
        assert np.allclose(with_stray.cosines(mixed, mixed, attr), expected, rtol=0, atol=1e-12)
    links = {}
    for context, items in ((sigs[:half], None), (bare[:half], stored[:half])):
        new = [replace(s, story_id=None) for s in sigs[half:]]
        found = stories.assign(new, context, threshold=0.3, window_days=2, stored=items)
        links[items is None] = ({s.key: s.story_id for s in new}, found)
    assert links[True] == links[False]
    assert any(link.other in {s.key for s in sigs[:half]} for link in links[True][1])


def test_reprints_found_by_arrays_match_pairwise_similarity() -> None:
    _, articles = load()
    result = enrich(articles, [], set(), _options())
    for key, original, similarity in result.duplicates:
        a = next(s for s in result.signatures if s.key == key)
        b = next(s for s in result.signatures if s.key == original)
        assert round(duplicates.similarity(a.minhash, b.minhash), 4) == similarity >= 0.6


def test_lookup_by_runs_finds_known_names_as_before() -> None:
    paragraphs = ["", "Реджеп Эрдоганмен кездесті, Астанада."]
    analysis = analyse_one(paragraphs, "kk")
    erdogan = f"person:{name_key('Эрдогану', 'ru')}"
    assert all(m.entity_id != erdogan for _, m in analysis.candidates)  # no rule finds it
    found = {(m.surface, m.entity_id) for m in resolve(analysis, paragraphs, Known({erdogan}))}
    assert ("Реджеп Эрдоганмен", erdogan) in found
    assert ("Астанада", "kz.astana") in found
    w = Words.of(paragraphs[1])
    run = run_of(1, w, *w.runs[0], "kk")
    assert run.words[0][:2] == w.spans[0]


def test_a_batch_reads_only_the_entities_its_text_could_name(lake) -> None:  # noqa: F811
    _, articles = load()
    by_key = {a.key: a for a in articles}
    lake.execute(
        "INSERT INTO entities VALUES ('person:токаев', 'person', 'Токаев', NULL, NULL), "
        "('person:никтонеупомянут', 'person', 'X', NULL, NULL)"
    )
    analysed = analyse([by_key["052"]], _options())
    wanted = wanted_ids(analysed)
    assert "person:токаев" in wanted
    assert read_known(lake, wanted) == {"person:токаев"}


def test_words_found_once_give_the_signature_the_texts_give() -> None:
    """analyse_chunk finds each paragraph's words once and hands them to the mention analysis,
    the prefixes and the MinHash: the same as each finding them in its own text."""
    from newsetl.enrich.batch import analyse_chunk
    from newsetl.enrich.fold import numbers, prefixes

    _, articles = load()
    found = analyse_chunk(articles, 3)
    for article, one in zip(articles, found, strict=True):
        paragraphs = [article.title or "", *article.paragraphs]
        text, body = "\n".join(paragraphs), "\n".join(article.paragraphs)
        assert one.prefixes == prefixes(text)
        assert one.numbers == numbers(text)
        assert one.minhash == duplicates.minhash(body)
        plain = analyse_one(paragraphs, article.language or "kk")
        assert one.analysis == plain
    assert sum(len(one.prefixes) for one in found) > 1000


def _one_pass(scorer, placed: list[Signature], order: list[Signature]) -> dict:
    """Each new signature's best link the plain way: scored with every signature placed
    before it within the window, one pair at a time; the first of the highest score wins."""
    before, out = list(placed), {}
    for sig in order:
        if sig.published is not None:
            candidates = [o for o in before if o.key != sig.key and near(o, sig, 2)]
            links = [scorer.link(sig, other) for other in candidates]
            if links:
                best = max(range(len(links)), key=lambda i: (links[i].score, -i))
                out[sig.key] = links[best]
        before.append(sig)
    return out


def test_best_neighbours_by_day_and_by_pair_match_one_pass(monkeypatch) -> None:
    """Days of many new articles are scored as matrices, sparse days pair by pair in chunks
    (and their rows a table at a time): either way each article's best link is the one a plain
    pass finds."""
    _, articles = load()
    sigs = enrich(articles, [], set(), _options()).signatures
    # Half the set placed (as read from the lake), half new, some days crowded.
    placed = [replace(s, story_id=s.key) for s in sigs[::2]]
    order = sorted(sigs[1::2], key=lambda s: (s.published or date.max, s.key))
    scorer = stories.Scorer(placed + order)
    expected = _one_pass(scorer, placed, order)
    assert len(expected) > 30
    seen = set()
    paths = ((0, 10_000, 1 << 23), (10**6, 10_000, 1 << 23), (10**6, 10_000, 1), (10**6, 7, 500))
    for few_rows, at_once, cells in (*paths, (2, 5, 1 << 23)):
        monkeypatch.setattr(stories, "FEW_ROWS", few_rows)
        monkeypatch.setattr(stories, "PAIRS_AT_ONCE", at_once)
        monkeypatch.setattr(stories, "TABLE_CELLS", cells)
        found = stories._best_neighbours(scorer, placed, order, 2)
        assert found.keys() == expected.keys()
        for key, link in expected.items():
            assert found[key].other == link.other
            assert abs(found[key].score - link.score) <= 1e-4
        seen.add(tuple(sorted((k, v.other) for k, v in found.items())))
    assert len(seen) == 1


def test_an_article_with_no_items_starts_its_own_story_either_way(monkeypatch) -> None:
    """An article with no entity, number or prefix (a title of short words, no body) shares
    nothing with its neighbours, whichever way its day is scored."""
    day = date(2024, 3, 1)
    held = Signature("held", "kk", day, {"cldr.KZ"}, {"2024"}, {prefix_code("астан")})
    for few_rows in (0, 10**6):
        monkeypatch.setattr(stories, "FEW_ROWS", few_rows)
        empty = Signature("empty", "kk", day, set(), set(), set())
        links = stories.assign([empty], [replace(held)], threshold=0.3, window_days=2)
        assert links == [] and empty.story_id == "empty"
