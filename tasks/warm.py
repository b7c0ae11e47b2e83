"""Start the expensive parts of a run early, so they overlap with listing the source."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsetl.chunk import parse_pool
from newsetl.settings import Settings
from tasks.validate import engine_for


@task(name="warm-up", cache_policy=NO_CACHE)
def warm_up(settings: Settings) -> None:
    """Start the GX engine's process (importing GX takes seconds) and the parse workers (each
    imports the parser and loads the language models) while the flow lists the source and reads
    its state. Both only start here: the calls return at once."""
    engine_for(settings)
    if settings.parse_processes > 0:
        parse_pool(settings.parse_processes)
