"""Naming the lake: what `--db` and `--data-path` mean, and that a password never shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsetl.common.catalog import Catalog, WarehouseError, redact
from newsetl.common.settings import Settings

SECRET = "s3cr3t-Пароль"


def test_a_file_catalog_keeps_its_data_beside_it(tmp_path: Path) -> None:
    catalog = Catalog.parse(tmp_path / "lake" / "news.sqlite")
    assert catalog.is_file and catalog.kind == "sqlite"
    assert catalog.default_data_path == str(tmp_path / "lake" / "news.files") + "/"
    assert catalog.lock_path() == tmp_path / "lake" / "news.sqlite.lock"
    assert catalog.lock_path("s3://a/") == catalog.lock_path("s3://b/")  # one writer per file
    assert catalog.attach_uri() == f"ducklake:sqlite:{tmp_path / 'lake' / 'news.sqlite'}"
    assert Settings(db=str(tmp_path / "news.sqlite")).staging_dir == tmp_path / ".news.staging"


def test_a_postgres_catalog_takes_a_lock_per_source_and_hides_its_password() -> None:
    db = f"postgres:host=127.0.0.1 dbname=news user=etl password={SECRET}"
    catalog = Catalog.parse(db, "s3://lake/news/")
    assert catalog.kind == "postgres" and not catalog.is_file
    assert SECRET not in catalog.describe()
    assert "password=***" in catalog.describe()
    assert catalog.lock_path("s3://a/") != catalog.lock_path("s3://b/")
    assert SECRET not in str(catalog.lock_path("s3://a/"))
    assert catalog.local_dir == Path(".newsetl")


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
