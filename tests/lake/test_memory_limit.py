"""DuckDB's memory for the load comes from the settings (NEWSETL_DUCKDB_MEMORY_LIMIT), and for
maintenance from NEWSETL_DUCKDB_MAINTAIN_MEMORY_LIMIT, and reaches the writer's connection."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsetl.common.catalog import Catalog
from newsetl.common.settings import Settings
from newsetl.lake import connection


def test_the_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().duckdb_memory_limit == "256MB"
    assert Settings().duckdb_maintain_memory_limit == "2GB"
    monkeypatch.setenv("NEWSETL_DUCKDB_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("NEWSETL_DUCKDB_MAINTAIN_MEMORY_LIMIT", "1GB")
    assert Settings().duckdb_memory_limit == "300MB"
    assert Settings().duckdb_maintain_memory_limit == "1GB"


def test_the_writer_connection_is_capped(tmp_path: Path) -> None:
    con = connection.connect(Catalog.parse(tmp_path / "news.sqlite"), memory_limit="300MB")
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    assert limit == "286.1 MiB"  # DuckDB reports 300 MB in MiB
    uncapped = connection.connect(Catalog.parse(tmp_path / "other.sqlite"))
    try:
        default = uncapped.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        uncapped.close()
    assert default != limit
