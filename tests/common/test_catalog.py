"""Naming the lake: what `--db` and `--data-path` mean, and that a password never shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from newsetl.common.catalog import Catalog, WarehouseError, redact
from newsetl.common.settings import Settings
from newsetl.runtime.serve import first_set

SECRET = "s3cr3t-Пароль"


def test_a_file_catalog_keeps_its_data_beside_it(tmp_path: Path) -> None:
    catalog = Catalog.parse(tmp_path / "lake" / "news.sqlite")
    assert catalog.is_file and catalog.kind == "sqlite"
    assert catalog.default_data_path == str(tmp_path / "lake" / "news.files") + "/"
    assert catalog.lock_path() == tmp_path / "lake" / "news.sqlite.lock"
    assert catalog.lock_path("s3://a/") == catalog.lock_path("s3://b/")  # one writer per file
    assert catalog.attach_uri() == f"ducklake:sqlite:{tmp_path / 'lake' / 'news.sqlite'}"
    assert Settings(db=str(tmp_path / "news.sqlite")).staging_dir == tmp_path / ".news.staging"


def test_a_postgres_catalog_takes_a_lock_per_source() -> None:
    catalog = Catalog.parse("postgres:host=127.0.0.1 dbname=news user=etl", "s3://lake/news/")
    assert catalog.kind == "postgres" and not catalog.is_file
    assert catalog.describe() == "postgres:host=127.0.0.1 dbname=news user=etl"
    assert catalog.lock_path("s3://a/") != catalog.lock_path("s3://b/")
    assert catalog.local_dir == Path(".newsetl")


@pytest.mark.parametrize(
    "db",
    [
        f"postgres:host=127.0.0.1 dbname=news user=etl password={SECRET}",
        f"postgres:host=x password = '{SECRET}'",
        f"postgres:postgresql://etl:{SECRET}@db.internal/news",
        f"postgres:postgresql://etl@db.internal/news?password={SECRET}",
    ],
)
def test_a_password_in_the_catalog_is_refused_without_repeating_it(db: str) -> None:
    """--db travels as a flow parameter into Prefect's database: a password there is refused
    in one line that says where it goes instead, wherever the text comes from."""
    with pytest.raises(WarehouseError) as refused:
        Catalog.parse(db)
    message = str(refused.value)
    assert SECRET not in message and "\n" not in message
    assert "PGPASSWORD" in message and "~/.pgpass" in message and "PGSERVICE" in message
    with pytest.raises(ValidationError) as invalid:
        Settings(db=db)
    assert SECRET not in str(invalid.value) and "PGPASSWORD" in str(invalid.value)
    with pytest.raises(WarehouseError):
        first_set(db=["", db, "warehouse/news.sqlite"])  # a deployment is refused at deploy time


def test_where_libpq_finds_a_password_is_accepted() -> None:
    for db in ("postgres:service=newsetl", "postgres:host=x passfile=/etc/newsetl/pgpass"):
        assert Catalog.parse(db).target == db.removeprefix("postgres:")


@pytest.mark.parametrize(
    "text",
    [
        f"password={SECRET} host=x",
        f"host=x password='{SECRET}'",
        f"postgresql://etl:{SECRET}@db.internal/news",
        f"PASSWORD = {SECRET}",
    ],
)
def test_redact_removes_passwords_in_every_form(text: str) -> None:
    assert SECRET not in redact(text)


def test_bad_catalogs_are_named() -> None:
    with pytest.raises(WarehouseError, match="needs a conninfo"):
        Catalog.parse("postgres:")
    with pytest.raises(WarehouseError, match="migrate-warehouse"):
        Catalog.parse("warehouse/news.duckdb")
