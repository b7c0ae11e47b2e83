"""Fetch and parse one chunk of objects, and stage the rows as Parquet beside the warehouse.

Staging keeps memory bounded by the chunk, not the corpus, and lets the load read everything in
one DuckDB transaction. Plain functions: they run the same in a thread, a process or on Dask.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from newsetl import checkpoints
from newsetl.parse import parse_article
from newsetl.records import Article, ParseResult
from newsetl.rows import ARTICLE_SCHEMA, PARAGRAPH_SCHEMA, RAW_SCHEMA, build_frames
from newsetl.search.index import DOCS_SCHEMA, POSTINGS_SCHEMA, index_frames

if TYPE_CHECKING:  # parse workers import this module; they never fetch, so no boto3 there
    from newsetl.source import Source

STAGED_TABLES = {
    "articles": ARTICLE_SCHEMA,
    "paragraphs": PARAGRAPH_SCHEMA,
    "raw": RAW_SCHEMA,
    "search_docs": DOCS_SCHEMA,
    "postings": POSTINGS_SCHEMA,
}


@dataclass
class ChunkOutcome:
    index: int
    checks: pl.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    fetched_bytes: int = 0


def fetch_all(source: Source, keys: list[str], workers: int) -> list[tuple[str, bytes]]:
    """GET every key concurrently; order follows `keys` so results are deterministic."""
    checkpoints.reach("fetching")
    if workers <= 1 or len(keys) <= 1:
        return [(key, source.fetch(key)) for key in keys]
    with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
        return list(zip(keys, pool.map(source.fetch, keys), strict=True))


def parse_all(items: list[tuple[str, bytes]]) -> list[tuple[ParseResult, bytes]]:
    return [(parse_article(key, raw), raw) for key, raw in items]


def stage_chunk(items: list[tuple[str, bytes]], stage_dir: Path, index: int) -> ChunkOutcome:
    """Parse fetched objects, index them for search, and write their rows as Parquet; only the
    small checks frame comes back, so a worker process returns little over the pipe."""
    parsed = parse_all(items)
    frames = build_frames(parsed)
    search_docs, postings = index_frames(
        [(r.key, r.title, r.body, r.language) for r, _ in parsed if isinstance(r, Article)]
    )
    files: dict[str, Path] = {}
    for name, frame in (
        ("articles", frames.articles),
        ("paragraphs", frames.paragraphs),
        ("raw", frames.raw),
        ("search_docs", search_docs),
        ("postings", postings),
    ):
        path = stage_dir / name / f"part-{index:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="zstd", statistics=False)
        files[name] = path
    return ChunkOutcome(
        index=index,
        checks=frames.checks,
        files=files,
        fetched_bytes=sum(len(raw) for _, raw in items),
    )


PARSE_NICENESS = 5


def _warm_worker(caller: int) -> None:
    """Load the language models. Workers run a little below normal priority: while they warm
    up, the CPU goes first to what a run waits on (Prefect's server, the GX import, listing), and
    once parsing starts they still get every cycle nobody else needs."""
    from newsetl.language import warm_up

    os.nice(PARSE_NICENESS)
    threading.Thread(target=_leave_with, args=(caller,), daemon=True).start()
    warm_up()


def _leave_with(caller: int) -> None:
    """Exit once the process that started the pool is gone. A caller stopped while a worker was
    being forked never shuts that worker down, and the worker (its parent is the fork server)
    would keep the fork server alive with it."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(caller, 0)
        except ProcessLookupError:
            os._exit(0)


# Imported once by the fork server, then shared by every worker forked from it: the main module
# (which each worker would otherwise import again, CLI and all) and the parsing code.
PRELOAD = ["__main__", "newsetl.chunk", "newsetl.language"]


@lru_cache(maxsize=1)
def parse_pool(processes: int) -> ProcessPoolExecutor:
    """Parsing is CPU-bound Python: a pool of worker processes uses every core while the
    calling threads keep fetching. One pool per process, started on first use.

    Workers come from a fork server: the caller runs threads (Prefect's), which a plain `fork`
    does not copy safely, and `spawn` would make every worker import polars, the parser and the
    caller's main module again (about 2 s of CPU each, measured with `make profile`)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_warm_worker,
        initargs=(os.getpid(),),
    )
    # The executor spawns workers one submission at a time; start them all now, while the
    # source is being listed, rather than in the middle of the first chunks.
    for _ in range(processes):
        pool.submit(time.sleep, 0.1)
    return pool


def process_chunk(
    source: Source,
    keys: list[str],
    workers: int,
    stage_dir: Path,
    index: int,
    parse_processes: int = 0,
) -> ChunkOutcome:
    """Fetch a chunk, then parse and stage it: in a worker process when `parse_processes` > 0,
    in this thread otherwise (on a Dask worker, which is already a process of its own)."""
    items = fetch_all(source, keys, workers)
    if parse_processes > 0:
        return parse_pool(parse_processes).submit(stage_chunk, items, stage_dir, index).result()
    return stage_chunk(items, stage_dir, index)
