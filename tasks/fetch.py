"""List the source, then fetch and parse it in chunks: one task per chunk, never per object."""

from __future__ import annotations

import time
from contextlib import suppress
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from newsetl.common import interrupt
from newsetl.common.settings import Settings
from newsetl.lake.quarantine import open_source
from newsetl.parse.chunk import ChunkOutcome, parse_pool, parse_processes_for, process_chunk
from newsetl.source.plan import Listing, list_source, take_handed_over, wanted_in
from tasks.retry import retry_unless_permanent

# Chunk tasks the ingest flow runs at once; they share one S3 client, whose connection pool must
# hold every fetching thread of all of them.
CHUNKS_IN_FLIGHT = 4


@task(
    name="list-objects",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=retry_unless_permanent,
    cache_policy=NO_CACHE,
)
def list_objects(settings: Settings) -> Listing:
    listing = take_handed_over(settings.source, settings.pattern)
    if listing is None:
        listing = list_source(open_source(settings.source, settings.endpoint_url), settings.pattern)
    logger = get_run_logger()
    logger.info(
        "listed %d objects under %s (%d ignored by pattern %r)",
        listing.matched.height + len(listing.ignored),
        listing.where,
        len(listing.ignored),
        settings.pattern,
    )
    for key in listing.outside:
        logger.warning("ignored %r: a link that leads out of the source folder", key)
    for folder, reason in listing.unlisted:
        logger.warning("could not list folder %r: %s", folder, reason)
    return listing


def start_parse_workers(settings: Settings, objects: int) -> Settings:
    """The settings a run fetching `objects` works with: a small run parses in its fetching
    threads; a larger one starts its parse workers now, while its first chunks are fetched."""
    processes = parse_processes_for(
        settings.parse_processes, objects, settings.parse_pool_min_objects
    )
    if processes:
        parse_pool(processes)
    if processes == settings.parse_processes:
        return settings
    return settings.model_copy(update={"parse_processes": processes})


@task(
    name="fetch-and-parse",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=1),
    retry_condition_fn=retry_unless_permanent,
    cache_policy=NO_CACHE,
)
def fetch_and_parse(
    settings: Settings, wanted: pl.DataFrame, stage_dir: Path, index: int
) -> ChunkOutcome:
    source = open_source(
        settings.source,
        settings.endpoint_url,
        max_connections=settings.workers * CHUNKS_IN_FLIGHT,
    )
    outcome = process_chunk(
        source,
        wanted_in(wanted),
        settings.workers,
        stage_dir,
        index,
        settings.parse_processes,
        settings.max_object_bytes,
    )
    logger = get_run_logger()
    logger.info("chunk %d: %d objects, %d bytes", index, wanted.height, outcome.fetched_bytes)
    for key, reason in outcome.unread:
        logger.warning("could not read %r: %s", key, reason)
    return outcome


CHUNK_STOP_SECONDS = 2.0


def stop_chunks(futures: list, exc: BaseException) -> None:
    """When `exc`, which stopped the wait for a run's chunks, is a signal: their fetching threads
    give up at the next object (interrupt.check), their parse workers are killed, and they are
    waited for (briefly), so that none writes into the staging folder after the run removed it."""
    signum = interrupt.signal_of(exc)
    if signum is None:
        return
    interrupt.stop(signum)
    interrupt.stop_helpers()
    deadline = time.monotonic() + CHUNK_STOP_SECONDS
    for future in futures:
        with suppress(BaseException):
            future.wait(timeout=max(0.0, deadline - time.monotonic()))
