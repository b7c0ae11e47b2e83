"""The per-term statistics behind search's first page (sql/migrations/010_search_lists.sql):
document frequencies kept as counts, and the lists of common terms' best postings, through new,
changed and deleted articles and `newsetl maintain` (tests/e2e/test_search_lists_race.py: a run
committing beside the maintenance). Real DuckLake lakes of the bench corpus, loaded through the
load's own code (tests/lake/test_search_first_page.py's `run`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from newsetl.common.catalog import Catalog
from newsetl.common.sqlfiles import run_script
from newsetl.lake import commit, connection, migrations
from newsetl.parse.chunk import stage_chunk
from newsetl.search import lists
from tests.lake.test_search_first_page import change_and_delete, corpus_file, ranking, run

MIN_DF = 40
SIZE = 25


@pytest.fixture(autouse=True)
def short_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists at this corpus's scale (a term 40 articles hold, its 25 best postings)."""
    monkeypatch.setattr(lists, "LIST_MIN_DF", MIN_DF)
    monkeypatch.setattr(lists, "LIST_SIZE", SIZE)


@pytest.fixture
def new_lake(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connection.connect(Catalog.parse(tmp_path / "news.sqlite"))
    migrations.prepare(con)
    yield con
    con.close()


def wrong_counts(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Terms whose kept document frequency is not the number of their postings, and corpus
    totals that are not those of the indexed articles."""
    corpus = con.execute(
        "SELECT (SELECT (n, avgdl) FROM newsetl_internal.search_corpus_totals()), "
        "(SELECT (count(*)::DOUBLE, sum(length)::DOUBLE / count(*)) "
        "FROM newsetl_internal.search_docs)"
    ).fetchone()
    if corpus[0] != corpus[1]:
        return [("corpus", *corpus)]
    return con.execute(
        """
        WITH kept AS (
            SELECT lang, term, sum(df) AS df FROM newsetl_internal.search_counts GROUP BY ALL
        ),
        actual AS (
            SELECT lang, term, count(*) AS df FROM newsetl_internal.search_postings GROUP BY ALL
        )
        SELECT lang, term, k.df, a.df
        FROM kept AS k FULL JOIN actual AS a USING (lang, term)
        WHERE coalesce(k.df, 0) <> coalesce(a.df, 0)
        LIMIT 10
        """
    ).fetchall()


def unlisted_above_bound(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Postings of a listed term at or above its bound that its list lacks, and listed postings
    that are no posting (of a deleted article, or an article's earlier text)."""
    return con.execute(
        """
        SELECT 'missing', p.lang, p.term, p.doc
        FROM newsetl_internal.search_postings AS p
        JOIN newsetl_internal.search_lists AS l USING (lang, term)
        WHERE newsetl_internal.saturation(p.tf, p.length, l.avgdl) >= l.bound
          AND NOT EXISTS (
            SELECT 1 FROM newsetl_internal.search_top AS t
            WHERE t.lang = p.lang AND t.term = p.term AND t.doc = p.doc AND t.tf = p.tf
              AND t.length = p.length
          )
        UNION ALL
        SELECT 'stale', t.lang, t.term, t.doc
        FROM newsetl_internal.search_top AS t
        ANTI JOIN newsetl_internal.search_postings AS p
            ON t.lang = p.lang AND t.term = p.term AND t.doc = p.doc AND t.tf = p.tf
            AND t.length = p.length
        LIMIT 10
        """
    ).fetchall()


def settled(con: duckdb.DuckDBPyConnection, query: str, k: int) -> bool:
    """Whether the lists settled the page (newsetl_internal.search_page_scores)."""
    return bool(
        con.execute(
            "SELECT bool_or(settled) FROM newsetl_internal.search_page_scores(?, ?)", [query, k]
        ).fetchone()[0]
    )


def test_a_run_counts_every_term_and_maintenance_lists_the_common_ones(
    new_lake: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    run(new_lake, tmp_path, "run-1", [corpus_file(i) for i in range(200)])
    assert wrong_counts(new_lake) == []
    assert not new_lake.execute("SELECT count(*) FROM newsetl_internal.search_lists").fetchone()[0]
    with commit.transaction(new_lake):
        listed_terms = lists.maintain(new_lake)
    sizes = new_lake.execute(
        "SELECT count(*), min(n) FROM (SELECT lang, term, count(*) AS n "
        "FROM newsetl_internal.search_top GROUP BY ALL)"
    ).fetchone()
    assert sizes[0] == listed_terms > 10 and sizes[1] >= SIZE
    # Every term fewer articles hold than the threshold is left unlisted.
    assert (
        new_lake.execute(
            "SELECT count(*) FROM newsetl_internal.search_lists AS l "
            "JOIN (SELECT lang, term, count(*) AS n FROM newsetl_internal.search_postings "
            "GROUP BY ALL) AS p USING (lang, term) WHERE p.n < ?",
            [MIN_DF],
        ).fetchone()[0]
        == 0
    )
    assert wrong_counts(new_lake) == []
    assert unlisted_above_bound(new_lake) == []


def test_quarantined_articles_count_in_no_term(
    new_lake: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """The parse workers count every article they index; the run takes the held ones back."""
    files = [corpus_file(i) for i in range(120)]
    held = frozenset(key for key, _ in files[::7])
    run(new_lake, tmp_path, "run-1", files, held=held)
    indexed = new_lake.execute("SELECT count(*) FROM newsetl_internal.search_docs").fetchone()[0]
    assert indexed == len(files) - len(held)
    assert wrong_counts(new_lake) == []


def test_changed_and_deleted_articles_leave_the_counts_and_the_lists(
    new_lake: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    files = [corpus_file(i) for i in range(200)]
    run(new_lake, tmp_path, "run-1", files)
    with commit.transaction(new_lake):
        lists.maintain(new_lake)
    change_and_delete(new_lake, tmp_path, files, 40, 60)
    assert wrong_counts(new_lake) == []
    assert unlisted_above_bound(new_lake) == []
    for query in ("министр", "ынтымақтастық сотрудничества", "Қазақстан Казахстан"):
        assert settled(new_lake, query, 10)
        assert ranking(new_lake, query, 10) == ranking(new_lake, query)[:10]


def stage_and_insert(
    con: duckdb.DuckDBPyConnection, tmp: Path, run_id: str, items: list[tuple[str, bytes]]
) -> None:
    """A run's search rows inserted in the caller's transaction, as apply_run inserts them."""
    outcome = stage_chunk(items, tmp / run_id, 0)
    keys = [key for key, _ in items]
    decisions = pl.DataFrame({"key": keys, "destination": ["articles"] * len(keys)})
    commit.bind(
        con,
        {
            "decisions": decisions,
            "staged_articles": [outcome.files["articles"]],
            "staged_search_docs": [outcome.files["search_docs"]],
        },
    )
    run_script(con, "load/insert_search.sql")
    commit.insert_postings(con, [[outcome.files["postings"]]])


def test_maintenance_folds_the_counts_and_cuts_grown_lists_again(
    new_lake: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    for index in range(4):
        files = [corpus_file(i) for i in range(index * 90, (index + 1) * 90)]
        run(new_lake, tmp_path, f"run-{index}", files)
        if index == 0:
            with commit.transaction(new_lake):
                lists.maintain(new_lake)
    grown = new_lake.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM newsetl_internal.search_top GROUP BY "
        "lang, term)"
    ).fetchone()[0]
    assert grown > 4 * SIZE  # three runs added their best postings to the first lists
    assert unlisted_above_bound(new_lake) == []
    rows_before = new_lake.execute("SELECT count(*) FROM newsetl_internal.search_counts").fetchone()
    with commit.transaction(new_lake):
        lists.maintain(new_lake)
    assert wrong_counts(new_lake) == []
    assert unlisted_above_bound(new_lake) == []
    rows, terms = new_lake.execute(
        "SELECT count(*), count(DISTINCT (lang, term)) FROM newsetl_internal.search_counts"
    ).fetchone()
    assert rows == terms < rows_before[0]
    # Every list holds its best postings down to about the list size again.
    longest = new_lake.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM newsetl_internal.search_top GROUP BY "
        "lang, term)"
    ).fetchone()[0]
    assert longest <= 4 * SIZE
    for query in ("министр", "дипломатов", "сенатор депутат"):
        assert ranking(new_lake, query, 5) == ranking(new_lake, query)[:5]
