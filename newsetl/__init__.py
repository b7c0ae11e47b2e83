"""newsetl: news articles from a bucket into a validated DuckLake warehouse.

The package is laid out by stage, in the order the data flows: common (shared ground), source,
search, parse, lake, quality, runtime, cli. A stage imports only the stages before it (a test
over import-linter's contract in pyproject.toml keeps it so). `newsetl.connect` opens a lake."""

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
    from newsetl.common.catalog import Catalog
    from newsetl.lake import commit, connection

    catalog = Catalog.parse(db)
    snapshot = None
    if as_of_run is not None:
        probe = connection.connect(catalog, read_only=True, endpoint_url=endpoint_url)
        try:
            snapshot = commit.snapshot_of_run(probe, as_of_run)
        finally:
            probe.close()
    return connection.connect(
        catalog, read_only=read_only, snapshot=snapshot, endpoint_url=endpoint_url
    )
