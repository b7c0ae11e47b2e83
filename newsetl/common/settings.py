"""One typed settings object for a run, read from CLI flags and `NEWSETL_*` variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Markers for fields (in `json_schema_extra`). Every field is a command-line option and a flow
# parameter unless marked: ENVIRONMENT_ONLY fields are set by NEWSETL_* variables alone, and
# NOT_A_FLOW_PARAMETER fields are options the command line itself uses. `default_help` says in
# words what a default computed at run time (None, or a factory) comes to.
ENVIRONMENT_ONLY = {"option": False, "flow": False}
NOT_A_FLOW_PARAMETER = {"flow": False}


class Settings(BaseSettings):
    """Everything a run needs. Credentials are absent on purpose: boto3's chain supplies them."""

    # An error never repeats the value it rejects: a --db may hold a password it refuses.
    model_config = SettingsConfigDict(
        env_prefix="NEWSETL_", extra="ignore", hide_input_in_errors=True
    )

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
        "(required with PostgreSQL).",
        json_schema_extra={"default_help": "beside a file catalog"},
    )
    endpoint_url: str | None = Field(
        None,
        description="S3 endpoint of the source and of an s3:// data path.",
        json_schema_extra={"default_help": "AWS_ENDPOINT_URL, else AWS"},
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
    enrich: bool = Field(
        False,
        description="Then enrich what changed: entities, stories, near-duplicates.",
    )
    workers: int = Field(16, ge=1, le=256, description="Concurrent GETs per chunk.")
    chunk_size: int = Field(
        2000,
        ge=1,
        le=100_000,
        description="Objects per Prefect task at most; a run too small to give each parse "
        "worker four chunks is cut finer.",
    )
    critical_threshold: float = Field(
        0.2, ge=0.0, le=1.0, description="Share of critical failures that fails the whole run."
    )
    lock_timeout: float = Field(60.0, ge=0.0, description="Seconds to wait for another writer.")
    reports_dir: Path = Field(Path("reports"), description="GX context and Data Docs.")
    expectations_dir: Path = Field(
        PROJECT_ROOT / "expectations",
        description="The GX suites, as JSON.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    parse_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=0,
        le=64,
        description="Worker processes that parse; 0 parses in the fetching thread.",
        json_schema_extra={"default_help": "one per core"},
    )
    parse_pool_min_objects: int = Field(
        1_000,
        ge=0,
        description="A run that fetches fewer objects parses them in its fetching threads: "
        "starting the parse workers would cost more CPU than parsing (an hourly run that brings "
        "a few articles).",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    duckdb_memory_limit: str = Field(
        "256MB",
        description="DuckDB's memory for the load and the search index; beyond it DuckDB spills "
        "to disk beside the warehouse, so memory stays flat as the corpus grows.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    duckdb_maintain_memory_limit: str = Field(
        "2GB",
        description="DuckDB's memory for `newsetl maintain`: merging the lake's files rewrites "
        "the search postings sorted by term, which spills to disk beyond it.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    enrich_link_threshold: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Story linking: an article joins the story of its best-scoring neighbour "
        "when the score (shared entities, numbers and word prefixes) reaches this.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    enrich_window_days: int = Field(
        2,
        ge=0,
        le=30,
        description="Story linking and near-duplicates compare articles this many days apart "
        "at most.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    enrich_duplicate_threshold: float = Field(
        0.6,
        ge=0.0,
        le=1.0,
        description="Near-duplicates: the MinHash estimate of shingle similarity to reach.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    enrich_ner_paragraphs: int = Field(
        3,
        ge=0,
        description="Russian NER reads the title and this many paragraphs; the rest of an "
        "article is searched for the names found there and in the gazetteer.",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    enrich_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=64,
        description="Worker processes that find a large batch's entities and signatures.",
        json_schema_extra={**ENVIRONMENT_ONLY, "default_help": "one per core"},
    )
    enrich_pool_min_articles: int = Field(
        500,
        ge=0,
        description="An enrichment of fewer articles runs in one process: starting the workers "
        "and loading their models would cost more than they save (an hourly enrichment).",
        json_schema_extra=ENVIRONMENT_ONLY,
    )
    task_runner: Literal["threads", "dask"] = Field(
        "threads",
        description="threads, or dask for fetch-and-parse on a Dask cluster.",
        json_schema_extra=NOT_A_FLOW_PARAMETER,
    )
    dask_address: str | None = Field(
        None,
        description="tcp://HOST:PORT of a Dask scheduler.",
        json_schema_extra={**NOT_A_FLOW_PARAMETER, "default_help": "a local cluster"},
    )

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
        from newsetl.common.catalog import WarehouseConfigError, refuse_password

        text = str(value).strip()
        try:
            refuse_password(text)
        except WarehouseConfigError as exc:  # said without pydantic's "Value error, "
            raise PydanticCustomError("password_in_db", str(exc)) from None
        return text

    @property
    def catalog(self):
        from newsetl.common.catalog import Catalog

        return Catalog.parse(self.db, self.data_path)

    @property
    def everything_is_work(self) -> bool:
        """A full refresh, or a lake that does not exist yet: every listed object is work, so a
        run has work whatever the listing says (known without listing anything)."""
        return self.full_refresh or not self.catalog.exists()

    @property
    def staging_dir(self) -> Path:
        """Per-run Parquet staging lives beside a file catalog (on the same volume), or in
        `.newsetl/` of the working directory for a server catalog."""
        catalog = self.catalog
        name = f".{catalog.path.stem}.staging" if catalog.is_file else "staging"
        return catalog.local_dir / name

    def flow_parameters(self) -> dict:
        """The flow's parameters, plain values so deployments can set them too: every field but
        those marked as not for the flow."""
        return self.model_dump(mode="json", include=set(flow_fields()))


def _marked(name: str, key: str) -> bool:
    extra = Settings.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and extra.get(key) is False


def option_fields() -> list[str]:
    """The fields a command line offers as --options, in declaration order."""
    return [name for name in Settings.model_fields if not _marked(name, "option")]


def flow_fields() -> list[str]:
    """The fields the ingest flow takes as parameters."""
    return [name for name in Settings.model_fields if not _marked(name, "flow")]
