"""Fetch and parse one chunk of objects, and stage the rows as Parquet beside the warehouse.

Staging keeps memory bounded by the chunk, not the corpus, and lets the load read everything in
one DuckDB transaction. Plain functions: they run the same in a thread, a process or on Dask.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import tenacity

from newsetl.common import checkpoints, interrupt
from newsetl.parse.article import parse_article
from newsetl.parse.records import Article, ParseResult, Rejection
from newsetl.parse.rows import ARTICLE_SCHEMA, PARAGRAPH_SCHEMA, RAW_SCHEMA, build_frames
from newsetl.search.index import (
    DOCS_SCHEMA,
    POSTINGS_SCHEMA,
    TERMS_SCHEMA,
    index_frames,
    term_counts,
)
from newsetl.source.objects import ObjectUnreadable, doc_id

if TYPE_CHECKING:  # parse workers import this module; they never fetch, so no boto3 there
    from newsetl.source.stores import Source
from newsetl.source.objects import Wanted

STAGED_TABLES = {
    "articles": ARTICLE_SCHEMA,
    "paragraphs": PARAGRAPH_SCHEMA,
    "raw": RAW_SCHEMA,
    "search_docs": DOCS_SCHEMA,
    "postings": POSTINGS_SCHEMA,
    "terms": TERMS_SCHEMA,
}


# Attempts at one object whose read failed on the way (a dropped connection, a truncated
# body): boto3 retries refused requests itself, but not a body that breaks off.
READ_ATTEMPTS = 4


@dataclass
class ChunkOutcome:
    index: int
    checks: pl.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    fetched_bytes: int = 0
    unread: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    rows: dict[str, int] = field(default_factory=dict)  # staged rows per table


def fetch_one(source: Source, wanted: Wanted) -> bytes | ObjectUnreadable:
    """The object's bytes, or why they could not be read (after retrying what may pass).

    The first attempt is a plain call: tenacity's machinery costs more than reading a local
    file, and is only needed once an attempt failed in a way a retry may fix."""
    interrupt.check()  # a stopping command fetches nothing more
    try:
        return source.fetch(wanted.key, wanted.etag or None)
    except ObjectUnreadable as exc:
        if not exc.transient:
            return exc
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(READ_ATTEMPTS - 1),
        wait=tenacity.wait_exponential_jitter(initial=0.2, max=3.0),
        retry=tenacity.retry_if_exception(
            lambda exc: isinstance(exc, ObjectUnreadable) and exc.transient
        ),
        before=lambda _state: interrupt.check(),
        reraise=True,
    )
    try:
        return retrying(source.fetch, wanted.key, wanted.etag or None)
    except ObjectUnreadable as exc:
        return exc


def fetch_all(
    source: Source, wanted: list[Wanted], workers: int
) -> list[tuple[Wanted, bytes | ObjectUnreadable]]:
    """GET every object, concurrently where the source gains by it; order follows `wanted` so
    results are deterministic."""
    checkpoints.reach("fetching")
    if workers <= 1 or len(wanted) <= 1 or not source.reads_in_parallel:
        return [(w, fetch_one(source, w)) for w in wanted]
    with ThreadPoolExecutor(max_workers=min(workers, len(wanted))) as pool:
        return list(zip(wanted, pool.map(lambda w: fetch_one(source, w), wanted), strict=True))


def too_large(wanted: Wanted, limit: int) -> Rejection:
    """An object over the size limit is never fetched: it is held in quarantine with its key,
    ETag and size (a pointer to the bucket), not its bytes."""
    reason = f"object is {wanted.size:,} bytes, over the {limit:,}-byte limit (--max-object-bytes)"
    return Rejection(wanted.key, doc_id(wanted.key), "too_large", [reason], content_sha256="")


def parse_all(items: list[tuple[str, bytes]]) -> list[tuple[ParseResult, bytes]]:
    return [(parse_article(key, raw), raw) for key, raw in items]


def stage_chunk(
    items: list[tuple[str, bytes]],
    stage_dir: Path,
    index: int,
    held: list[Rejection] | None = None,
) -> ChunkOutcome:
    """Parse fetched objects, index them for search, and write their rows as Parquet; only the
    small checks frame comes back, so a worker process returns little over the pipe. `held` are
    objects rejected before parsing (too large to fetch), staged with empty bytes."""
    parsed = parse_all(items) + [(rejection, b"") for rejection in held or []]
    frames = build_frames(parsed)
    search_docs, postings = index_frames(
        [(r.key, r.title, r.body, r.language) for r, _ in parsed if isinstance(r, Article)]
    )
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for name, frame in (
        ("articles", frames.articles),
        ("paragraphs", frames.paragraphs),
        ("raw", frames.raw),
        ("search_docs", search_docs),
        # Sorted here, in the parse workers, by the lake's sort key for postings: the load's
        # sort (DuckLake's SET SORTED BY) then gets runs already in order, a third cheaper.
        ("postings", postings.sort(["lang", "term"])),
        # The chunk's term counts, tallied here rather than by the load (sql/load/count_terms.sql).
        ("terms", term_counts(postings)),
    ):
        path = stage_dir / name / f"part-{index:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(path, compression="zstd", statistics=False)
        files[name], rows[name] = path, frame.height
    return ChunkOutcome(
        index=index,
        checks=frames.checks,
        files=files,
        fetched_bytes=sum(len(raw) for _, raw in items),
        rows=rows,
    )


PARSE_NICENESS = 5


def _warm_worker(caller: int) -> None:
    """Load the language models. Workers run a little below normal priority: while they warm
    up, the CPU goes first to what a run waits on (Prefect's server, the GX import, listing), and
    once parsing starts they still get every cycle nobody else needs. A worker leaves with the
    process that started the pool: one stopped while a worker was being forked never shuts that
    worker down, and the worker (its parent is the fork server) would keep the fork server
    alive with it."""
    from newsetl.common.localserver import exit_with
    from newsetl.parse.language import warm_up

    os.nice(PARSE_NICENESS)
    exit_with(caller)
    warm_up()


# Imported once by the fork server, then shared by every worker forked from it: the parsing
# code. newsetl.parse.forkserver_group first: the fork server leaves the command's process group.
# ("__main__" here does not preload a script's main module: CPython's fork server never gets its
# path. The CLI says it runs as `python -m newsetl` instead, newsetl.cli.main.run_as_module, so
# that no worker runs the script again.)
PRELOAD = [
    "newsetl.parse.forkserver_group",
    "__main__",
    "newsetl.parse.chunk",
    "newsetl.parse.language",
    "newsetl.common.localserver",
]


def parse_processes_for(processes: int, objects: int, min_objects: int) -> int:
    """The parse workers a run of `objects` fetches uses: none below `min_objects`."""
    return processes if objects >= max(min_objects, 1) else 0


@lru_cache(maxsize=1)
def parse_pool(processes: int) -> ProcessPoolExecutor:
    """Parsing is CPU-bound Python: a pool of worker processes uses every core while the
    calling threads keep fetching. One pool per process, started on first use.

    Workers come from a fork server: the caller runs threads (Prefect's), which a plain `fork`
    does not copy safely, and `spawn` would make every worker import polars, the parser and the
    caller's main module again (about 2 s of CPU each, measured with `make profile`)."""
    from newsetl.common.localserver import kill_now, signals_held

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    pool = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=context,
        initializer=_warm_worker,
        initargs=(os.getpid(),),
    )
    # A stopped command does not wait for the chunks being parsed: the workers go at once.
    interrupt.on_stop(pool, lambda: kill_now(list(getattr(pool, "_processes", None) or {})))
    # The executor spawns workers one submission at a time; start them all now, while the
    # first chunks are being fetched, rather than one by one in the middle of them. The first
    # submit starts the fork server, with the group's signals held (see forkserver_group).
    with signals_held():
        for _ in range(processes):
            pool.submit(time.sleep, 0.1)
    return pool


def process_chunk(
    source: Source,
    wanted: list[Wanted],
    workers: int,
    stage_dir: Path,
    index: int,
    parse_processes: int = 0,
    max_object_bytes: int | None = None,
) -> ChunkOutcome:
    """Fetch a chunk, then parse and stage it: in a worker process when `parse_processes` > 0,
    in this thread otherwise (on a Dask worker, which is already a process of its own). Objects
    over `max_object_bytes` are held without being fetched; objects that cannot be read come
    back in `unread`, and the rest of the chunk goes on."""
    limit = max_object_bytes
    held = [too_large(w, limit) for w in wanted if limit is not None and w.size > limit]
    to_fetch = [w for w in wanted if limit is None or w.size <= limit]
    fetched = fetch_all(source, to_fetch, workers)
    items = [(w.key, got) for w, got in fetched if isinstance(got, bytes)]
    unread = [(w.key, got.reason) for w, got in fetched if isinstance(got, ObjectUnreadable)]
    if parse_processes > 0:
        outcome = _parse_in_pool(parse_processes, items, stage_dir, index, held)
    else:
        outcome = stage_chunk(items, stage_dir, index, held)
    outcome.unread = unread
    return outcome


def _parse_in_pool(
    processes: int, items: list, stage_dir: Path, index: int, held: list[Rejection]
) -> ChunkOutcome:
    """A worker that died leaves its pool broken for good: forget that pool, so the task's
    retry gets a new one, and let the error go up."""
    interrupt.check()
    try:
        return parse_pool(processes).submit(stage_chunk, items, stage_dir, index, held).result()
    except BrokenProcessPool:
        parse_pool.cache_clear()
        interrupt.check()  # its workers were stopped with the command: no new pool
        raise
