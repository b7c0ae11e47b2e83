"""Enrichment speed: `python -m bench.enrich_speed --n 3000` builds N synthetic articles
(bench.corpus), parses them as ingest does, and times newsetl.enrich.batch.enrich over them in
the run's batch size, one process, after the models are loaded. Prints articles a second."""

from __future__ import annotations

import argparse
import time

from bench.corpus import build
from newsetl.enrich.batch import Article, enrich
from newsetl.enrich.gazetteer import gazetteer
from newsetl.enrich.mentions import ner_tagger
from newsetl.enrich.run import BATCH
from newsetl.parse.article import parse_article


def articles(n: int, seed: int = 7) -> list[Article]:
    out = []
    for index in range(n):
        _, raw = build(seed, index)
        parsed = parse_article(f"bench/{index:06d}.txt", raw)
        if not hasattr(parsed, "paragraphs"):
            continue  # a hostile object the parser rejects
        out.append(
            Article(
                parsed.key,
                parsed.language,
                parsed.published_date,
                parsed.title or "",
                list(parsed.paragraphs),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    batch = articles(args.n)
    gazetteer(), ner_tagger()  # loaded once per process, not per run
    started = time.process_time()
    known: set[str] = set()
    context = []
    mentions = 0
    for offset in range(0, len(batch), BATCH):
        result = enrich(batch[offset : offset + BATCH], context, known)
        known |= set(result.entities)
        context += result.signatures
        mentions += len(result.mentions)
    seconds = time.process_time() - started
    words = sum(len(" ".join([a.title, *a.paragraphs]).split()) for a in batch)
    print(
        f"{len(batch)} articles ({words} words, {mentions} mentions) in {seconds:.1f} s of CPU: "
        f"{len(batch) / seconds:.0f} articles/s, {words / seconds:.0f} words/s of CPU, one process"
    )


if __name__ == "__main__":
    main()
