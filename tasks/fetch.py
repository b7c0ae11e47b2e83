"""List the source, then fetch and parse it in chunks: one task per chunk, never per object."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from newsetl.chunk import ChunkOutcome, process_chunk
from newsetl.plan import Listing, split_listing
from newsetl.settings import Settings
from newsetl.source import open_source

# Chunk tasks the ingest flow runs at once; they share one S3 client, whose connection pool must
# hold every fetching thread of all of them.
CHUNKS_IN_FLIGHT = 4


@task(
    name="list-objects",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    cache_policy=NO_CACHE,
)
def list_objects(settings: Settings) -> Listing:
    source = open_source(settings.source, settings.endpoint_url)
    listing = split_listing(source.list(), settings.pattern)
    get_run_logger().info(
        "listed %d objects under %s (%d ignored by pattern %r)",
        listing.matched.height + len(listing.ignored),
        source.describe(),
        len(listing.ignored),
        settings.pattern,
    )
    return listing


@task(
    name="fetch-and-parse",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=1),
    cache_policy=NO_CACHE,
)
def fetch_and_parse(
    settings: Settings, keys: list[str], stage_dir: Path, index: int
) -> ChunkOutcome:
    source = open_source(
        settings.source,
        settings.endpoint_url,
        max_connections=settings.workers * CHUNKS_IN_FLIGHT,
    )
    outcome = process_chunk(
        source, keys, settings.workers, stage_dir, index, settings.parse_processes
    )
    get_run_logger().info("chunk %d: %d objects, %d bytes", index, len(keys), outcome.fetched_bytes)
    return outcome
