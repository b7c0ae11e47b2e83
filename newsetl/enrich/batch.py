"""Enrich a batch of articles in memory: mentions and entities, then near-duplicates, then
stories against the signatures of the days around them. No I/O: the lake side (run) reads the
batch and its context and writes what this returns; the evaluation (bench/eval_enrich.py)
calls it on the gold set directly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import NamedTuple

import polars as pl

from newsetl.common.settings import Settings
from newsetl.enrich import duplicates, mentions, ner, pool, stories
from newsetl.enrich.fold import fold, name_key, numbers, prefixes
from newsetl.enrich.gazetteer import gazetteer
from newsetl.enrich.mentions import Analysis, Known, Mention
from newsetl.enrich.stories import Link, Signature


@dataclass(frozen=True)
class Article:
    key: str
    language: str | None
    published: date | None
    title: str
    paragraphs: list[str]  # the body's paragraphs, from position 1


@dataclass(frozen=True)
class Options:
    """The enrichment's settings (newsetl.common.settings, NEWSETL_ENRICH_*: defaults there)."""

    link_threshold: float
    window_days: int
    duplicate_threshold: float
    ner_paragraphs: int
    processes: int = 1  # worker processes for a large batch (newsetl.enrich.pool)
    pool_min_articles: int = 500  # a smaller batch is enriched in this process

    @classmethod
    def of(cls, settings: Settings | None = None) -> Options:
        """The options a Settings object holds; without one, those of the environment."""
        settings = settings or Settings()
        return cls(
            link_threshold=settings.enrich_link_threshold,
            window_days=settings.enrich_window_days,
            duplicate_threshold=settings.enrich_duplicate_threshold,
            ner_paragraphs=settings.enrich_ner_paragraphs,
            processes=settings.enrich_processes,
            pool_min_articles=settings.enrich_pool_min_articles,
        )


@dataclass
class Result:
    mentions: list[tuple[str, Mention]] = field(default_factory=list)
    entities: dict[str, dict] = field(default_factory=dict)  # id -> kind, name, name_kk, name_ru
    signatures: list[Signature] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    duplicates: list[tuple[str, str, float]] = field(default_factory=list)


class Analysed(NamedTuple):
    """An article's own findings, worked out in a worker: the mention analysis and the parts
    of its signature."""

    analysis: Analysis
    numbers: set[str]
    prefixes: set[int]  # fold.prefix_code of each
    minhash: list[int]


def enrichment_order(articles: list[Article]) -> list[Article]:
    """Russian first: the names its model finds are then looked for in the Kazakh text."""
    return sorted(articles, key=lambda a: (a.language != "ru", a.key))


def analyse(articles: list[Article], options: Options | None = None) -> dict[str, Analysed]:
    """Every article's own findings by key: in worker processes when the batch is large enough
    (newsetl.enrich.pool), here otherwise."""
    return analyse_later(articles, options)()


def analyse_later(
    articles: list[Article], options: Options | None = None
) -> Callable[[], dict[str, Analysed]]:
    """Start `analyse` (in the workers, when it uses them); the function returned waits for
    it. A run starts the next batch's analysis before it links the current one."""
    options = options or Options.of()
    ordered = enrichment_order(articles)
    processes = pool.processes_for(options.processes, len(ordered), options.pool_min_articles)
    work = partial(analyse_chunk, ner_paragraphs=options.ner_paragraphs)
    waiting = pool.submit_chunks(work, ordered, processes, warm=warm)

    def result() -> dict[str, Analysed]:
        found = waiting()
        return {article.key: one for article, one in zip(ordered, found, strict=True)}

    return result


def wanted_ids(analysed: dict[str, Analysed]) -> set[str]:
    """The entity ids the batch's text could name: all of the lake's entities it needs."""
    return {i for one in analysed.values() for i in mentions.wanted_ids(one.analysis.runs)}


def warm() -> None:
    """Load the models once per process."""
    gazetteer()
    ner.ner_tagger()


def analyse_chunk(articles: list[Article], ner_paragraphs: int) -> list[Analysed]:
    gaz = gazetteer()
    docs = _ner(articles, ner_paragraphs)
    out = []
    for article in articles:
        paragraphs = [article.title or "", *article.paragraphs]
        # Each paragraph's words, found once: no word spans the line breaks joining them, so
        # the text's and the body's words are the paragraphs' in turn.
        words = [mentions.Words.of(text) for text in paragraphs]
        analysis = mentions.analyse(
            paragraphs,
            article.language or "kk",
            ner_paragraphs=ner_paragraphs,
            gaz=gaz,
            ner_docs=docs.get(article.key),
            words=words,
        )
        text = "\n".join(paragraphs)
        body = "\n".join(article.paragraphs)
        body_words = [word for w in words[1:] for word in w.words]
        out.append(
            Analysed(
                analysis,
                numbers(text),
                prefixes(text, words=[*words[0].words, *body_words]),
                duplicates.minhash(body, body_words),
            )
        )
    return out


def enrich(
    articles: list[Article],
    context: list[Signature],
    known_ids: set[str],
    options: Options | None = None,
    *,
    analysed: dict[str, Analysed] | None = None,
    stored: pl.DataFrame | None = None,
) -> Result:
    """Mentions, signatures, near-duplicates and stories of a batch. `known_ids`: entity ids
    known before it (the lake's: all of them, or those `wanted_ids` names); `analysed`: the
    batch's `analyse`, when the caller needed it first; `stored`: the items of the context's
    signatures read from the lake (stories.Scorer)."""
    options = options or Options.of()
    result = Result()
    known = Known(known_ids)
    gaz = gazetteer()
    ordered = enrichment_order(articles)
    analysed = analysed if analysed is not None else analyse(ordered, options)
    for article in ordered:
        one = analysed[article.key]
        paragraphs = [article.title or "", *article.paragraphs]
        found = mentions.resolve(one.analysis, paragraphs, known)
        for mention in found:
            known.add(mention.entity_id)
            result.mentions.append((article.key, mention))
            _name(result.entities, mention, article.language, gaz)
        result.signatures.append(
            Signature(
                key=article.key,
                language=article.language or "",
                published=article.published,
                entities={m.entity_id for m in found},
                numbers=one.numbers,
                prefixes=one.prefixes,
                minhash=one.minhash,
            )
        )
    result.duplicates = duplicates.find(
        result.signatures,
        context,
        threshold=options.duplicate_threshold,
        window_days=options.window_days,
    )
    result.links = stories.assign(
        result.signatures,
        context,
        threshold=options.link_threshold,
        window_days=options.window_days,
        duplicates={key: original for key, original, _ in result.duplicates},
        stored=stored,
    )
    return result


def _ner(articles: list[Article], ner_paragraphs: int) -> dict[str, list]:
    """The model over the lead paragraphs of every Russian article of the batch in one call,
    returned per article. Texts go through it shortest first: a batch of the model pads its
    texts to the longest, so texts of one length together halve its work (same output)."""
    leads = {
        a.key: mentions.lead_paragraphs([a.title or "", *a.paragraphs], ner_paragraphs)
        for a in articles
        if a.language == "ru"
    }
    texts = [text for lead in leads.values() for text in lead]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    docs: list = [None] * len(texts)
    if texts:
        for i, doc in zip(order, ner.tag([texts[i] for i in order]), strict=True):
            docs[i] = doc
    found = iter(docs)
    return {key: [next(found) for _ in lead] for key, lead in leads.items()}


def _name_rank(surface: str, count: int, language: str) -> tuple:
    """Full names first, then forms without a case ending (Кошанов before Кошанова, Тоқаев
    before Тоқаевтың), then the most frequent."""
    words = surface.split()
    bare = fold(words[-1]) == name_key(words[-1], language)
    return (len(words) > 1, bare, count)


def _name(entities: dict[str, dict], mention: Mention, language: str | None, gaz) -> None:
    """Display names: the gazetteer's, else in each language the surface written most often,
    full names (two words or more) first."""
    row = entities.get(mention.entity_id)
    if row is None:
        entry = gaz.entries.get(mention.entity_id)
        row = {"kind": mention.kind, "name": None, "name_kk": None, "name_ru": None}
        if entry is not None:
            row.update(kind=entry.kind, name_kk=entry.name_kk, name_ru=entry.name_ru, fixed=True)
        row["seen"] = {"kk": Counter(), "ru": Counter()}
        entities[mention.entity_id] = row
    if not row.get("fixed"):
        lang = "ru" if language == "ru" else "kk"
        row["seen"][lang][mention.surface] += 1
        best = max(row["seen"][lang].items(), key=lambda s: _name_rank(s[0], s[1], lang))
        row[f"name_{lang}"] = best[0]
    row["name"] = row["name_ru"] or row["name_kk"] or fold(mention.surface)
