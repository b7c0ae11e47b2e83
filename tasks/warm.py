"""Start the expensive parts of a run early, so they overlap with listing the source."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsetl.settings import Settings
from tasks.validate import engine_for


@task(name="warm-up", cache_policy=NO_CACHE)
def warm_up(settings: Settings) -> None:
    """Start the GX engine's process (importing GX takes seconds) while the flow lists the source
    and reads its state. The parse workers start with the first chunk, so a run with nothing to
    parse never pays for them."""
    engine_for(settings)
