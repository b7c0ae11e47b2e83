"""Start the expensive part of a run early, so that it overlaps with listing the source."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from newsetl.common.settings import Settings
from tasks.validate import engine_for


@task(name="warm-up", cache_policy=NO_CACHE)
def warm_up(settings: Settings) -> None:
    """Start the GX engine's process (importing GX takes seconds) while the flow lists the
    source and reads its state; the call returns at once. The parse workers start once the plan
    says how much there is to parse (flows.ingest.fetch_in_chunks)."""
    engine_for(settings)
