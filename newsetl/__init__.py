"""newsetl: news articles from a bucket into a validated DuckLake warehouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


def connect(
    db: str = "warehouse/news.sqlite",
    *,
    read_only: bool = True,
    as_of_run: str | None = None,
    endpoint_url: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse, for notebooks and scripts: the lake attached as
    `news` and in use, so `articles`, `search_articles('…')` and the other tables, views and
    macros resolve unqualified. `as_of_run` opens the state right after that run committed."""
    from newsetl import warehouse

    catalog = warehouse.Catalog.parse(db)
    snapshot = None
    if as_of_run is not None:
        probe = warehouse.connect(catalog, read_only=True, endpoint_url=endpoint_url)
        try:
            snapshot = warehouse.snapshot_of_run(probe, as_of_run)
        finally:
            probe.close()
    return warehouse.connect(
        catalog, read_only=read_only, snapshot=snapshot, endpoint_url=endpoint_url
    )
