"""A search-only lake of any size, cheaply: `python -m bench.search_lake DB --n N [--distinct M]`.

For the search rows of the bench at sizes a full `newsetl run` would take too long to load here
(4 × 100,000 articles). The first M articles of the bench corpus (bench/corpus.py, the same
files `make bench` writes) are parsed and indexed in memory exactly as the parse workers do
(`parse_article`, `index_frames`), then loaded N / M times over under new keys (`<key>#<copy>`)
through the same load scripts a run uses for search (sql/load/insert_search.sql,
insert_postings.sql in the load's batches of rows), one snapshot per copy. Only the search
tables are filled: articles, paragraphs and the run history stay empty, and `search_articles`
reads nothing else.

Copies repeat each article's terms, so document frequencies grow with N as in a real archive
while the vocabulary stays that of M articles (a real archive's grows more slowly than N, so a
copy makes the postings of a common word, the case that matters for the first page, no smaller
than real text would). Copy c of an article counts c tokens more (its indexed length, in its
document and its postings): a real archive holds no forty identical articles, and identical
copies would tie on every score, which the first page pays for in reads of tied rows.

The lake is then left as `newsetl maintain` leaves it (lists of common terms cut
again, files merged); `--no-maintain` leaves it as the copies' commits do."""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import polars as pl

from newsetl.common.catalog import Catalog
from newsetl.common.sqlfiles import run_script
from newsetl.lake import commit, connection, migrations
from newsetl.lake import maintain as maintenance

CHUNK = 1_000


def _parse_range(seed: int, start: int, stop: int) -> tuple[pl.DataFrame, ...]:
    """(articles, search_docs, postings) frames of corpus files start..stop-1."""
    from bench.corpus import build
    from newsetl.parse.article import parse_article
    from newsetl.parse.records import Article
    from newsetl.search.index import index_frames

    parsed = []
    for index in range(start, stop):
        spec, raw = build(seed, index)
        result = parse_article(spec.key, raw)
        if isinstance(result, Article):
            parsed.append(result)
    articles = pl.DataFrame(
        {
            "key": [a.key for a in parsed],
            "title": [a.title for a in parsed],
            "published_date": [a.published_date for a in parsed],
            "language": [a.language for a in parsed],
        },
        schema={
            "key": pl.String,
            "title": pl.String,
            "published_date": pl.Date,
            "language": pl.String,
        },
    )
    docs, postings = index_frames([(a.key, a.title, a.body, a.language) for a in parsed])
    return articles, docs, postings


NAMES = ("articles", "docs", "postings")


def parse(
    distinct: int, seed: int, workers: int, cache: Path | None = None
) -> list[tuple[pl.DataFrame, ...]]:
    """The parsed chunks; with `cache`, kept there as Parquet and read back on the next call
    for the same corpus (several lake sizes from one parse)."""
    ranges = [(start, min(distinct, start + CHUNK)) for start in range(0, distinct, CHUNK)]
    folder = cache / f"seed{seed}-{distinct}" if cache else None
    if folder is not None and (folder / "done").is_file():
        return [
            tuple(pl.read_parquet(folder / f"{start}-{name}.parquet") for name in NAMES)
            for start, _ in ranges
        ]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_parse_range, seed, a, b) for a, b in ranges]
        chunks = [future.result() for future in futures]
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for (start, _), frames in zip(ranges, chunks, strict=True):
            for name, frame in zip(NAMES, frames, strict=True):
                frame.write_parquet(folder / f"{start}-{name}.parquet")
        (folder / "done").touch()
    return chunks


def _renamed(frame: pl.DataFrame, copy: int) -> pl.DataFrame:
    """Copy `copy` of a chunk's frame: new keys, and `copy` tokens longer where it has lengths."""
    if copy == 0:
        return frame
    frame = frame.with_columns(pl.col("key") + f"#{copy}")
    if "length" in frame.columns:
        frame = frame.with_columns(pl.col("length") + copy)
    return frame


def load(
    db: Path, chunks: list[tuple[pl.DataFrame, ...]], copies: int, maintained: bool = True
) -> None:
    con = connection.connect(Catalog.parse(db))
    try:
        migrations.prepare(con)
        for copy in range(copies):
            with commit.transaction(con):
                decisions = pl.concat(
                    [_renamed(a, copy).select("key") for a, _, _ in chunks]
                ).with_columns(destination=pl.lit("articles"))
                commit.bind(
                    con,
                    {
                        "staged_articles": pl.concat([_renamed(a, copy) for a, _, _ in chunks]),
                        "staged_search_docs": pl.concat([_renamed(d, copy) for _, d, _ in chunks]),
                        "decisions": decisions,
                    },
                )
                run_script(con, "load/insert_search.sql")
                batches = commit.batches_of_rows([(p, p.height) for _, _, p in chunks])
                commit.insert_postings(
                    con,
                    (pl.concat([_renamed(frame, copy) for frame in batch]) for batch in batches),
                )
            print(f"copy {copy + 1}/{copies} loaded", file=sys.stderr, flush=True)
        if maintained:
            # As `newsetl maintain` leaves it: lists cut again (each copy adds to a
            # listed term's list what new articles would), files merged.
            done = maintenance.maintain(con, retention_days=0)
            print(f"maintained: {done.as_dict()}", file=sys.stderr, flush=True)
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="the new lake's catalog (a .sqlite path)")
    parser.add_argument("--n", type=int, required=True, help="articles in the lake")
    parser.add_argument("--distinct", type=int, default=10_000, help="articles parsed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", type=Path, help="keep the parsed articles here for reuse")
    parser.add_argument(
        "--no-maintain",
        dest="maintained",
        action="store_false",
        help="leave the lake as the copies' commits leave it (no `newsetl maintain`)",
    )
    args = parser.parse_args()
    distinct = min(args.distinct, args.n)
    if args.n % distinct:
        sys.exit("--n must be a multiple of --distinct")
    started = time.perf_counter()
    chunks = parse(distinct, args.seed, args.workers, args.cache)
    parsed = time.perf_counter()
    load(args.db, chunks, args.n // distinct, args.maintained)
    print(
        f"parsed {distinct:,} in {parsed - started:.1f} s, loaded {args.n:,} search documents "
        f"in {time.perf_counter() - parsed:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
