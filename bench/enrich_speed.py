"""Enrichment speed: `python -m bench.enrich_speed [--n 3000] [--processes P] [--hourly 10000
40000]`. Articles are the bench corpus's (bench.corpus), parsed as ingest parses them.

- `--n N`: newsetl.enrich.batch.enrich over N articles in the run's batches and order (by
  date, each batch against the signatures of the days around it), after the models are loaded;
  prints articles a second (wall) and CPU seconds per article, this process and its workers
  together. `--processes 1` keeps everything in one process.
- `--hourly SMALL LARGE`: two lakes of SMALL and LARGE articles (rows written as the load
  writes them, one snapshot), each enriched whole by `enrich_lake` (timed: the end-to-end rate
  at that N), then 200 new articles added and enriched as the hourly run does, each time in a
  process of its own as a scheduled `newsetl enrich` is (the same articles on both lakes: the
  corpus's objects past LARGE); prints the two hourly times and their ratio (the target:
  LARGE = 4 × SMALL costs at most 1.15 ×). Three hourly runs a lake, each of 200 other new
  articles, and the fastest kept (the machine may be shared).
- `--per-day D` (with `--hourly`): the archives grow in days, not in density: D articles a day
  up to yesterday, and the 200 new ones dated today, as a real hourly run's are. Without it the
  corpus's dates spread any size over the same twelve years, so a 4 × lake holds 4 × the
  articles on each day around a new one."""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import psutil

from bench.corpus import build
from newsetl.enrich.batch import Article, Options, analyse, analyse_later, enrich, warm
from newsetl.enrich.run import BATCH, enrich_lake
from newsetl.enrich.stories import Days
from newsetl.parse.article import parse_article

HOURLY = 200
HOURLY_TRIES = 5  # hourly enrichments per lake, each of other new articles: the fastest counts
TODAY = date(2026, 12, 3)  # fixed, so that every run of the bench reads the same days


def articles(n: int, seed: int = 7, start: int = 0) -> list[Article]:
    out = []
    for index in range(start, start + n):
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


class Clock:
    """Wall time, and CPU time of this process and its live children (the pool's workers)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def in_memory(batch: list[Article], options: Options) -> tuple[Clock, int]:
    """The run's loop without the lake: by date, in batches, each against its days' context."""
    batch = sorted(batch, key=lambda a: (a.published is None, a.published or 0, a.key))
    done = Days(options.window_days)
    known: set[str] = set()
    mentions = 0
    warm()
    analyse(batch[:1], replace(options, processes=1))
    if options.processes > 1:  # start the workers and load their models outside the timing
        analyse(batch[: options.pool_min_articles], options)
    batches = [batch[offset : offset + BATCH] for offset in range(0, len(batch), BATCH)]
    with Clock() as clock:
        upcoming = analyse_later(batches[0], options)
        for index, part in enumerate(batches):
            waiting = upcoming
            if index + 1 < len(batches):  # as the run does: the next batch starts first
                upcoming = analyse_later(batches[index + 1], options)
            analysed = waiting()
            context = done.near_dates({a.published for a in part}, {a.key for a in part})
            result = enrich(part, context, known, options, analysed=analysed)
            known |= set(result.entities)
            for sig in result.signatures:
                done.add(sig)
            mentions += len(result.mentions)
    return clock, mentions


def write_articles(con, batch: list[Article]) -> None:
    """Articles and paragraphs as the load writes them, in one snapshot."""
    now = datetime.now(UTC)
    rows = [
        {"key": a.key, "doc_id": a.key, "title": a.title, "published_date": a.published,
         "date_source": "header", "language": a.language, "body": "\n\n".join(a.paragraphs),
         "paragraph_count": len(a.paragraphs), "char_count": sum(map(len, a.paragraphs)),
         "word_count": sum(len(p.split()) for p in a.paragraphs), "source_encoding": "utf-8",
         "content_sha256": a.key, "mojibake_repaired": False, "etag": "e", "run_id": "bench",
         "loaded_at": now}
        for a in batch
    ]  # fmt: skip
    paragraphs = [
        {"key": a.key, "position": i, "text": text}
        for a in batch
        for i, text in enumerate(a.paragraphs, 1)
    ]
    new_articles = pl.DataFrame(rows)  # noqa: F841 (read by DuckDB)
    new_paragraphs = pl.DataFrame(paragraphs)  # noqa: F841
    con.execute("BEGIN")
    con.execute("INSERT INTO articles BY NAME SELECT * FROM new_articles")
    con.execute("INSERT INTO paragraphs BY NAME SELECT * FROM new_paragraphs")
    con.execute("COMMIT")


def as_archive(batch: list[Article], per_day: int | None, today: date) -> list[Article]:
    """`--per-day D`: the articles as an archive that grows in days, D a day up to yesterday
    (the corpus's own dates spread every size over the same twelve years, so a larger lake is
    a denser one); undated ones stay undated."""
    if per_day is None:
        return batch
    return [
        a if a.published is None else replace(a, published=today - timedelta(days=1 + i // per_day))
        for i, a in enumerate(batch)
    ]


def as_new(batch: list[Article], per_day: int | None, today: date) -> list[Article]:
    """`--per-day D`: the hourly run's articles all dated today, as a real hourly run's are."""
    if per_day is None:
        return batch
    return [a if a.published is None else replace(a, published=today) for a in batch]


def whole_lake(size: int, options: Options, workdir: Path, per_day: int | None = None) -> dict:
    """A lake of the first `size` objects, enriched whole (timed)."""
    from newsetl.common.catalog import Catalog
    from newsetl.lake.connection import connect
    from newsetl.lake.migrations import prepare

    lake = workdir / f"lake{size}.sqlite"
    con = connect(Catalog.parse(str(lake), None))
    prepare(con)
    write_articles(con, as_archive(articles(size), per_day, TODAY))
    with Clock() as whole:
        summary = enrich_lake(con, options)
    con.close()
    return {"size": size, "lake": lake, "articles": summary.articles, "whole": whole}


def hourly(lakes: list[dict], processes: int, per_day: int | None = None) -> None:
    """Each lake's hourly enrichment (its fastest of HOURLY_TRIES) as `lakes[i]["hourly"]`.
    The same new articles on every lake (objects past the largest), so that the pair differs
    in its lake only: 200 other articles cost more or less to analyse by themselves. The lakes
    take turns, try by try, so that a drift of the machine's speed weighs on both alike. Each
    hourly enrichment runs in a process of its own, as a scheduled `newsetl enrich` does."""
    start = max(one["size"] for one in lakes)
    for offset in range(0, HOURLY * HOURLY_TRIES, HOURLY):
        for one in lakes:
            clock = one_hourly(one["lake"], start + offset, per_day, processes)
            if "hourly" not in one or clock.wall < one["hourly"].wall:
                one["hourly"] = clock


def one_hourly(lake: Path, start: int, per_day: int | None, processes: int) -> Clock:
    """Objects start .. start + 200 written to the lake, then enriched, in a new process (models
    loaded before the clock starts)."""
    command = [sys.executable, "-m", "bench.enrich_speed", "--hourly-step", str(lake), str(start)]
    command += ["--processes", str(processes)]
    if per_day is not None:
        command += ["--per-day", str(per_day)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    clock = Clock()
    clock.wall, clock.cpu = figures["wall"], figures["cpu"]
    return clock


def hourly_step(lake: Path, start: int, per_day: int | None, options: Options) -> None:
    """`--hourly-step LAKE START`: one hourly enrichment, timed; prints its figures as JSON."""
    from newsetl.common.catalog import Catalog
    from newsetl.lake.connection import connect

    warm()
    con = connect(Catalog.parse(str(lake), None))
    write_articles(con, as_new(articles(HOURLY, start=start), per_day, TODAY))
    with Clock() as clock:
        enrich_lake(con, options)
    con.close()
    print(json.dumps({"wall": clock.wall, "cpu": clock.cpu}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--processes", type=int, help="worker processes (default: settings)")
    parser.add_argument("--hourly", type=int, nargs=2, metavar=("SMALL", "LARGE"))
    parser.add_argument(
        "--per-day",
        type=int,
        help="with --hourly: archives of D articles a day up to yesterday, the 200 new dated today",
    )
    parser.add_argument("--json", type=Path, help="with --hourly: the figures as JSON here too")
    parser.add_argument("--hourly-step", nargs=2, metavar=("LAKE", "START"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    options = Options.of()
    if args.processes:
        options = replace(options, processes=args.processes)
    if args.hourly_step:
        hourly_step(Path(args.hourly_step[0]), int(args.hourly_step[1]), args.per_day, options)
        return
    workers = f"{options.processes} worker processes" if options.processes > 1 else "one process"
    if args.hourly:
        warm()
        with tempfile.TemporaryDirectory() as tmp:
            small, large = lakes = [
                whole_lake(size, options, Path(tmp), args.per_day) for size in args.hourly
            ]
            hourly(lakes, options.processes, args.per_day)
        for one in (small, large):
            w, h = one["whole"], one["hourly"]
            print(
                f"lake of {one['size']}: whole enrichment {one['articles']} articles in "
                f"{w.wall:.1f} s ({one['articles'] / w.wall:.0f} articles/s, {w.cpu:.1f} s CPU); "
                f"{HOURLY} new: {h.wall:.2f} s ({h.cpu:.2f} s CPU)"
            )
        ratio = large["hourly"].wall / small["hourly"].wall
        print(f"hourly {large['size']} / {small['size']}: {ratio:.2f} (target ≤ 1.15), {workers}")
        if args.json:
            pair = (small, large)
            args.json.write_text(json.dumps({
                "sizes": [one["size"] for one in pair],
                "whole_articles_per_s": [one["articles"] / one["whole"].wall for one in pair],
                "hourly_seconds": [one["hourly"].wall for one in pair],
                "hourly_cpu_seconds": [one["hourly"].cpu for one in pair],
                "ratio": ratio,
            }))  # fmt: skip
        return
    batch = articles(args.n)
    clock, mentions = in_memory(batch, options)
    words = sum(len(" ".join([a.title, *a.paragraphs]).split()) for a in batch)
    print(
        f"{len(batch)} articles ({words} words, {mentions} mentions) in {clock.wall:.1f} s: "
        f"{len(batch) / clock.wall:.0f} articles/s with {workers}, "
        f"{clock.cpu:.1f} s of CPU ({1000 * clock.cpu / len(batch):.1f} ms an article)"
    )


if __name__ == "__main__":
    main()
