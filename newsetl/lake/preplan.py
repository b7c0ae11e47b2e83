"""Whether a run has anything to do, decided before Prefect, its server or GX start.

The hourly job finds nothing new more often than not. Listing the source and reading the lake's
`source_objects` takes a fraction of a second; a flow run takes a Prefect server and the GX
process, seconds of CPU each. The CLI asks here first: when every listed object is unchanged
since the last run (and nothing was deleted, nothing is unread, the lake needs no migration),
there is no work and no flow. Otherwise the listing is handed to the flow, which plans again
from it without listing the source twice."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from newsetl.common.catalog import WarehouseError
from newsetl.common.settings import Settings
from newsetl.lake import connection, migrations
from newsetl.lake.commit import read_state
from newsetl.search import install
from newsetl.source import plan as planning
from newsetl.source.plan import Listing, list_source
from newsetl.source.stores import open_source


@dataclass
class PrePlan:
    listing: Listing
    plan: pl.DataFrame | None  # None: the lake could not say (new, or to be migrated)

    @property
    def nothing_to_do(self) -> bool:
        return (
            self.plan is not None
            and self.plan.height > 0  # an empty listing is the quality gate's to judge
            and not self.listing.unlisted
            and bool((self.plan["change"] == "unchanged").all())
        )


def preplan(settings: Settings) -> PrePlan:
    """List the source, hand the listing over to this process's flow, and plan against the lake
    read-only. Never writes."""
    listing = list_source(open_source(settings.source, settings.endpoint_url), settings.pattern)
    planning.hand_over(settings.source, settings.pattern, listing)
    if settings.everything_is_work:
        return PrePlan(listing, None)
    try:
        con = connection.connect(
            settings.catalog, read_only=True, endpoint_url=settings.endpoint_url
        )
    except WarehouseError:
        # A PostgreSQL lake not created yet, or one this reader cannot open: the flow opens it
        # as the writer and says what is wrong in its own words.
        return PrePlan(listing, None)
    try:
        if migrations.unfinished(con) or not install.installed(con):
            return PrePlan(listing, None)
        state = read_state(con, settings.source)
    finally:
        con.close()
    return PrePlan(listing, planning.plan_changes(listing.matched, state, full_refresh=False))
