"""One typed settings object for a run, read from CLI flags and `NEWSETL_*` variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything a run needs. Credentials are absent on purpose: boto3's chain supplies them."""

    model_config = SettingsConfigDict(env_prefix="NEWSETL_", extra="ignore")

    source: str = Field(
        "data/sample", description="s3://BUCKET/PREFIX/ or a local directory of article files."
    )
    db: str = Field(
        "warehouse/news.sqlite",
        description="The lake's catalog: a SQLite file, or postgres:<conninfo> for a shared one.",
    )
    data_path: str | None = Field(
        None,
        description="Where the lake's Parquet files go: a folder or s3://BUCKET/PREFIX/ "
        "(default: beside a file catalog; required with PostgreSQL).",
    )
    endpoint_url: str | None = Field(
        None, description="S3 endpoint; AWS_ENDPOINT_URL is honoured when unset."
    )
    pattern: str = Field("*.txt", description="Glob matched against each key's file name.")
    full_refresh: bool = Field(False, description="Reprocess every object.")
    max_object_bytes: int = Field(
        8 * 1024 * 1024,
        ge=1,
        description="Objects larger than this are not fetched: they are held in quarantine as "
        "too_large, with their key, ETag and size.",
    )
    new_source: bool = Field(
        False, description="Accept a source this warehouse has not been fed from before."
    )
    max_delete_share: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Refuse a run that would mark more than this share of the source's live "
        "objects deleted.",
    )
    allow_deletes: bool = Field(
        False, description="Apply deletions above --max-delete-share (a source really shrank)."
    )
    dry_run: bool = Field(False, description="Print the plan and change nothing.")
    workers: int = Field(16, ge=1, le=256, description="Concurrent GETs per chunk.")
    chunk_size: int = Field(500, ge=1, le=100_000, description="Objects per Prefect task.")
    critical_threshold: float = Field(
        0.2, ge=0.0, le=1.0, description="Share of critical failures that fails the whole run."
    )
    lock_timeout: float = Field(60.0, ge=0.0, description="Seconds to wait for another writer.")
    reports_dir: Path = Field(Path("reports"), description="GX context and Data Docs.")
    expectations_dir: Path = Field(PROJECT_ROOT / "expectations")
    parse_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=64,
        description="Worker processes that parse; 0 parses in the fetching thread.",
    )
    duckdb_memory_limit: str = Field(
        "256MB",
        description="DuckDB's memory for the load and the search index; beyond it DuckDB spills "
        "to disk beside the warehouse, so memory stays flat as the corpus grows.",
    )
    task_runner: Literal["threads", "dask"] = "threads"
    dask_address: str | None = None

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("source must be s3://BUCKET/PREFIX/ or a directory")
        return value.strip()

    @property
    def is_s3(self) -> bool:
        return self.source.startswith("s3://")

    @field_validator("db", mode="before")
    @classmethod
    def _db_text(cls, value: object) -> str:
        return str(value).strip()

    @property
    def catalog(self):
        from newsetl.warehouse import Catalog

        return Catalog.parse(self.db, self.data_path)

    @property
    def staging_dir(self) -> Path:
        """Per-run Parquet staging lives beside a file catalog (on the same volume), or in
        `.newsetl/` of the working directory for a server catalog."""
        catalog = self.catalog
        name = f".{catalog.path.stem}.staging" if catalog.is_file else "staging"
        return catalog.local_dir / name

    def flow_parameters(self) -> dict:
        """The flow's parameters: plain values, so deployments can set them too."""
        return {
            "source": self.source,
            "db": self.db,
            "data_path": self.data_path,
            "endpoint_url": self.endpoint_url,
            "pattern": self.pattern,
            "full_refresh": self.full_refresh,
            "max_object_bytes": self.max_object_bytes,
            "new_source": self.new_source,
            "max_delete_share": self.max_delete_share,
            "allow_deletes": self.allow_deletes,
            "dry_run": self.dry_run,
            "workers": self.workers,
            "chunk_size": self.chunk_size,
            "critical_threshold": self.critical_threshold,
            "lock_timeout": self.lock_timeout,
            "reports_dir": str(self.reports_dir),
            "parse_processes": self.parse_processes,
        }
