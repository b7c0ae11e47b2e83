"""Start the expensive parts of a run early, so they overlap with listing the source."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsetl.chunk import parse_pool
from newsetl.settings import Settings
from tasks.validate import engine_for


@task(name="warm-up", cache_policy=NO_CACHE)
def warm_up(settings: Settings) -> None:
    """Spawn the parse workers (each loads the language models) and build the GX context
    (importing GX takes seconds) while the flow lists the source and reads its state."""
    if settings.parse_processes > 0:
        parse_pool(settings.parse_processes)
    engine_for(settings)
