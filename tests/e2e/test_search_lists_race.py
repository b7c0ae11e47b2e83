"""A run that commits beside `newsetl maintain` cutting the lists of common search terms
(tests/lake/test_search_lists.py has the rest of the per-term statistics): on a real PostgreSQL
catalog, where two writers commit concurrently."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from newsetl.common.catalog import Catalog
from newsetl.lake import commit, connection, migrations
from newsetl.search import lists
from tests.lake.test_search_first_page import corpus_file, ranking, run
from tests.lake.test_search_lists import (
    settled,
    short_lists,  # noqa: F401 (an autouse fixture)
    stage_and_insert,
    unlisted_above_bound,
    wrong_counts,
)


def test_a_run_beside_maintenance_tries_again_and_lands_in_the_lists(
    postgres, tmp_path: Path
) -> None:
    """The run saw no list when it counted its postings; the maintenance lists the terms and
    commits first. Its folding of the counts is a delete, so the run's commit conflicts (it does
    not land postings a list should hold but lacks), and tried again it adds them to the lists."""
    catalog = Catalog.parse(f"postgres:{postgres.new_database()}", str(tmp_path / "data") + "/")
    loader = connection.connect(catalog)
    other = connection.connect(catalog)
    try:
        migrations.prepare(loader)
        run(loader, tmp_path, "run-1", [corpus_file(i) for i in range(200)])
        extra = [corpus_file(i) for i in range(200, 260)]
        with pytest.raises(duckdb.TransactionException) as lost, commit.transaction(loader):
            stage_and_insert(loader, tmp_path, "run-2", extra)
            with commit.transaction(other):
                assert lists.maintain(other) > 10
        assert commit.is_conflict(lost.value)
        # Tried again from the start, as newsetl.lake.commit.apply_run does.
        with commit.transaction(loader):
            stage_and_insert(loader, tmp_path, "run-2", extra)
        assert wrong_counts(loader) == []
        assert unlisted_above_bound(loader) == []
        for query in ("министр", "сенатор депутат"):
            assert settled(loader, query, 10)
            assert ranking(loader, query, 10) == ranking(loader, query)[:10]
    finally:
        loader.close()
        other.close()
