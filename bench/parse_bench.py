"""Parse throughput on one core: `python bench/parse_bench.py [--n N] [--seed S]`.

Builds ~5 KB articles from the sample files (same layouts, paragraphs reshuffled and drawn from
articles of the same language, dates and view counts varied with a seeded RNG), pins the process
to one CPU and reports articles per second for what a parse worker does per chunk:
`parse_article` (decode, normalise, layout, dates, language detection, counts), then the search
postings (`index_frames`: words, stems, term counts) of the chunk's articles, each timed apart.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from newsetl.parse.article import parse_article  # noqa: E402
from newsetl.parse.language import warm_up  # noqa: E402
from newsetl.parse.records import Article  # noqa: E402
from newsetl.search.index import index_frames  # noqa: E402

SAMPLES = ROOT / "data" / "sample"
TARGET_BYTES = 5_000
CHUNK = 500  # articles indexed together, as a parse worker indexes one chunk


def _split(text: str) -> tuple[list[str], list[str], str]:
    """(head lines, paragraphs, paragraph separator) of one sample file."""
    lines = text.rstrip("\n").split("\n")
    if lines[0].startswith("Сенат •"):  # newspaper layout: 8 head lines, blank-separated body
        head = lines[:9]
        return head, [line for line in lines[9:] if line], "\n\n"
    return lines[:2], lines[2:], "\n"


def build_articles(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    samples = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    parts = [_split(text) for text in samples]
    # Paragraph pools per language (004 is the Russian one).
    pools = {
        "kk": [p for i, (_, ps, _) in enumerate(parts) if i != 4 for p in ps],
        "ru": list(parts[4][1]),
    }
    articles = []
    for _ in range(n):
        index = rng.randrange(len(parts))
        head, paragraphs, sep = parts[index]
        pool = pools["ru" if index == 4 else "kk"]
        head = list(head)
        if head[0].startswith(" date "):
            day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            head[0] = f" date {day} {head[0][17:]}"
        if index == 3:
            head[4] = f"{rng.randint(1, 99_999)} рет"
        body = [paragraphs[0]] if index == 4 else []  # keep the dateline paragraph first
        size = len(("\n".join(head)).encode())
        while size < TARGET_BYTES:
            paragraph = rng.choice(pool)
            body.append(paragraph)
            size += len(paragraph.encode()) + len(sep)
        articles.append(("\n".join(head) + "\n" + sep.join(body)).encode("utf-8"))
    return articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles to parse")
    parser.add_argument("--seed", type=int, default=20260308)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; best and median shown")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    articles = build_articles(args.n, args.seed)
    warm_up()
    for raw in articles[:50]:
        parse_article("warmup.txt", raw)

    rates, parse_rates, index_rates = [], [], []
    languages: Counter[str | None] = Counter()
    for _ in range(max(1, args.repeat)):
        languages.clear()
        parse_seconds = index_seconds = 0.0
        for first in range(0, len(articles), CHUNK):
            start = time.process_time()
            parsed = [
                parse_article(f"bench/{i:06d}.txt", raw)
                for i, raw in enumerate(articles[first : first + CHUNK], start=first)
            ]
            middle = time.process_time()
            index_frames(
                [(r.key, r.title, r.body, r.language) for r in parsed if isinstance(r, Article)]
            )
            index_seconds += time.process_time() - middle
            parse_seconds += middle - start
            for result in parsed:
                languages[result.language if isinstance(result, Article) else "rejected"] += 1
        rates.append(len(articles) / (parse_seconds + index_seconds))
        parse_rates.append(len(articles) / parse_seconds)
        index_rates.append(len(articles) / index_seconds)

    total = sum(map(len, articles))
    best = max(rates)
    print(
        f"articles: {len(articles)} x {len(rates)} passes, mean size {total / len(articles):,.0f} B"
    )
    print(f"passes:   {', '.join(f'{r:,.0f}' for r in rates)} articles/s on one core")
    mb_per_s = best * total / len(articles) / 1e6
    print(f"best:     {best:,.0f} articles/s ({1e6 / best:.0f} us/article, {mb_per_s:.1f} MB/s)")
    print(f"median:   {statistics.median(rates):,.0f} articles/s")
    print(
        f"apart:    parse_article {max(parse_rates):,.0f} articles/s, "
        f"index_frames {max(index_rates):,.0f} articles/s (best passes)"
    )
    print(f"languages: {dict(languages)}")


if __name__ == "__main__":
    main()
