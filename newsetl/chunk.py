"""Fetch and parse one chunk of objects, and stage the rows as Parquet beside the warehouse.

Staging keeps memory bounded by the chunk, not the corpus, and lets the load read everything in
one DuckDB transaction. Plain functions: they run the same in a thread, a process or on Dask.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from newsetl.parse import parse_article
from newsetl.records import ParseResult
from newsetl.rows import ARTICLE_SCHEMA, PARAGRAPH_SCHEMA, RAW_SCHEMA, build_frames
from newsetl.source import Source

STAGED_TABLES = {
    "articles": ARTICLE_SCHEMA,
    "paragraphs": PARAGRAPH_SCHEMA,
    "raw": RAW_SCHEMA,
}


@dataclass
class ChunkOutcome:
    index: int
    checks: pl.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    fetched_bytes: int = 0


def fetch_all(source: Source, keys: list[str], workers: int) -> list[tuple[str, bytes]]:
    """GET every key concurrently; order follows `keys` so results are deterministic."""
    if workers <= 1 or len(keys) <= 1:
        return [(key, source.fetch(key)) for key in keys]
    with ThreadPoolExecutor(max_workers=min(workers, len(keys))) as pool:
        return list(zip(keys, pool.map(source.fetch, keys), strict=True))


def parse_all(items: list[tuple[str, bytes]]) -> list[tuple[ParseResult, bytes]]:
    return [(parse_article(key, raw), raw) for key, raw in items]


def process_chunk(
    source: Source, keys: list[str], workers: int, stage_dir: Path, index: int
) -> ChunkOutcome:
    items = fetch_all(source, keys, workers)
    frames = build_frames(parse_all(items))
    files: dict[str, Path] = {}
    for name, frame in (
        ("articles", frames.articles),
        ("paragraphs", frames.paragraphs),
        ("raw", frames.raw),
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
