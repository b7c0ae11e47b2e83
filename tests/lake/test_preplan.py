"""A run decides whether it has anything to do before Prefect or GX start: only when every listed
object is unchanged in a lake that needs nothing, and its listing goes on to the flow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsetl.common.catalog import Catalog
from newsetl.common.settings import Settings
from newsetl.lake import connection, migrations
from newsetl.lake.commit import transaction
from newsetl.lake.preplan import preplan
from newsetl.source.plan import list_source, take_handed_over
from newsetl.source.stores import open_source
from tests.conftest import SAMPLE


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "новости"
    shutil.copytree(SAMPLE, folder)
    return folder


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new lake with every migration, built once: each test works on a copy."""
    folder = tmp_path_factory.mktemp("migrated")
    con = connection.connect(Catalog.parse(folder / "news.sqlite"))
    try:
        migrations.prepare(con)
    finally:
        con.close()
    return folder


@pytest.fixture
def lake(migrated: Path, tmp_path: Path) -> Path:
    shutil.copytree(migrated, tmp_path / "lake")
    return tmp_path / "lake" / "news.sqlite"


def settings_for(source: Path, db: Path, **extra: object) -> Settings:
    return Settings(source=str(source), db=str(db), **extra)


def record_as_loaded(source: Path, db: Path) -> None:
    """The lake as a run that loaded every object of `source` leaves its source_objects."""
    listing = list_source(open_source(str(source)), "*.txt")
    con = connection.connect(Catalog.parse(db))
    try:
        with transaction(con):
            for key, etag, size, _ in listing.matched.iter_rows():
                con.execute(
                    "INSERT INTO source_objects (key, source, etag, size, status, first_run_id, "
                    "last_run_id) VALUES (?, ?, ?, ?, 'loaded', 'r1', 'r1')",
                    [key, str(source), etag, size],
                )
    finally:
        con.close()


def test_every_object_unchanged_is_nothing_to_do(source: Path, lake: Path) -> None:
    db = lake
    record_as_loaded(source, db)
    (source / "заметки.md").write_text("не статья", encoding="utf-8")  # ignored by the pattern
    early = preplan(settings_for(source, db))
    assert early.nothing_to_do
    assert early.listing.matched.height == 5
    assert early.listing.ignored == ["заметки.md"]


@pytest.mark.parametrize("change", ["new", "changed", "deleted", "full_refresh"])
def test_any_change_is_work(source: Path, lake: Path, change: str) -> None:
    db = lake
    record_as_loaded(source, db)
    first = sorted(source.glob("*.txt"))[0]
    extra: dict[str, object] = {}
    if change == "new":
        (source / "006_жаңа.txt").write_text("Жаңа мақала\n\nМәтін.", encoding="utf-8")
    elif change == "changed":
        first.write_text(first.read_text(encoding="utf-8") + "\nТүзету.", encoding="utf-8")
    elif change == "deleted":
        first.unlink()
    else:
        extra["full_refresh"] = True
    assert not preplan(settings_for(source, db, **extra)).nothing_to_do


def test_a_missing_lake_or_an_empty_source_is_left_to_the_flow(
    source: Path, lake: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "elsewhere" / "news.sqlite"
    missing.parent.mkdir()
    early = preplan(settings_for(source, missing))
    assert early.plan is None and not early.nothing_to_do
    assert not missing.exists()  # deciding writes nothing
    db = lake
    record_as_loaded(source, db)
    empty = tmp_path / "пусто"
    empty.mkdir()
    assert not preplan(settings_for(empty, db)).nothing_to_do


def test_the_listing_is_handed_to_the_flow_once(source: Path, tmp_path: Path) -> None:
    settings = settings_for(source, tmp_path / "news.sqlite")
    early = preplan(settings)
    assert take_handed_over(settings.source, settings.pattern) is early.listing
    assert take_handed_over(settings.source, settings.pattern) is None
    assert early.listing.where and early.listing.outside == []


def test_a_new_lake_or_a_full_refresh_is_work_before_any_listing(
    source: Path, lake: Path, tmp_path: Path
) -> None:
    """The command then starts Prefect and GX at once, without waiting for the listing."""
    missing = tmp_path / "жоқ" / "news.sqlite"
    assert settings_for(source, missing).everything_is_work
    assert settings_for(source, lake, full_refresh=True).everything_is_work
    assert not settings_for(source, lake).everything_is_work
    assert not missing.parent.exists()  # deciding creates nothing
