"""search_articles(q, k := N): the first page of the full ranking, read from a real DuckLake lake
of Kazakh and Russian articles (the bench corpus: real sentences of the samples in every layout),
loaded as runs load it (parsed and staged by the parse workers' own code, committed by
newsetl.lake.commit). Every posting carries its article's indexed length, through new, changed
and deleted articles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import build
from newsetl.common.catalog import Catalog
from newsetl.lake import commit, connection, migrations
from newsetl.parse.chunk import STAGED_TABLES, stage_chunk
from newsetl.quality.decide import decide_rows
from newsetl.quality.summary import RunSummary
from newsetl.search import lists
from tasks.load import DQ_SCHEMA

SEED = 11
ARTICLES = 360
QUERIES = (
    "министр",  # in most articles of both languages
    "дипломатов",
    "ынтымақтастық сотрудничества",  # one word of each language
    "Қазақстан Казахстан",
    "сенатор депутат",
    "министр сотрудничества президент",  # three Russian terms: one article holds several
    "Әшімбаев",
)
PAGES = (1, 3, 10, 20, 100)
# Words of the corpus, common and rare, in both languages, and one no article holds.
VOCABULARY = (
    "министр",
    "министрі",
    "дипломатов",
    "ынтымақтастық",
    "сотрудничества",
    "Қазақстан",
    "Казахстан",
    "сенатор",
    "депутат",
    "президент",
    "Әшімбаев",
    "және",
    "жылы",
    "года",
    "заң",
    "экономика",
    "қаржы",
    "несуществующееслово",
)


def corpus_file(index: int) -> tuple[str, bytes]:
    spec, raw = build(SEED, index)
    return spec.key, raw


def run(
    con: duckdb.DuckDBPyConnection,
    tmp: Path,
    run_id: str,
    items: list[tuple[str, bytes]],
    *,
    changed: frozenset[str] = frozenset(),
    deleted: tuple[str, ...] = (),
    held: frozenset[str] = frozenset(),
) -> None:
    """One run through the load's own code: parse and stage (stage_chunk), decide (every parsed
    article loads but those `held`, which go to the quarantine), commit (apply_run)."""
    stage = tmp / run_id
    outcome = stage_chunk(items, stage, 0)
    decisions = decide_rows(outcome.checks, {}, {}).with_columns(
        destination=pl.when(pl.col("key").is_in(list(held)))
        .then(pl.lit("quarantine"))
        .otherwise(pl.col("destination"))
    )
    now = datetime.now(UTC)
    keys = [key for key, _ in items]
    plan = pl.DataFrame(
        {
            "key": keys + list(deleted),
            "etag": [f"{run_id}-{key}" for key in keys] + [""] * len(deleted),
            "size": [len(raw) for _, raw in items] + [0] * len(deleted),
            "last_modified": [now] * (len(keys) + len(deleted)),
            "change": ["changed" if key in changed else "new" for key in keys]
            + ["deleted"] * len(deleted),
            "process": [True] * len(keys) + [False] * len(deleted),
        }
    )
    summary = RunSummary(run_id=run_id, source="s3://bench/", db="", started_at=now)
    commit.apply_run(
        con,
        run_ctx=pl.DataFrame(
            {"run_id": [run_id], "source": ["s3://bench/"], "now": [now]},
            schema={"run_id": pl.String, "source": pl.String, "now": pl.Datetime("us", "UTC")},
        ),
        plan=plan,
        decisions=decisions,
        batches=[commit.Batch({name: [outcome.files[name]] for name in STAGED_TABLES})],
        staged_schemas=STAGED_TABLES,
        run_row=summary.run_row(),
        dq_rows=pl.DataFrame(schema=DQ_SCHEMA),
        loaded=True,
    )


def change_and_delete(
    con: duckdb.DuckDBPyConnection,
    tmp: Path,
    files: list[tuple[str, bytes]],
    count: int,
    added: int,
) -> tuple[list[tuple[str, bytes]], tuple[str, ...], list[tuple[str, bytes]]]:
    """A second run over `files`: the first `count` change (other text under the same key), the
    next `count` leave the source, `added` are new. Returns (changed, deleted, new)."""
    changed = [(key, corpus_file(1_000 + i)[1]) for i, (key, _) in enumerate(files[:count])]
    deleted = tuple(key for key, _ in files[count : 2 * count])
    new = [corpus_file(i) for i in range(len(files), len(files) + added)]
    run(
        con,
        tmp,
        "run-2",
        changed + new,
        changed=frozenset(key for key, _ in changed),
        deleted=deleted,
    )
    return changed, deleted, new


@pytest.fixture(scope="module", autouse=True)
def short_lists() -> Iterator[None]:
    """Lists of common terms at this corpus's scale: a term 40 articles hold is listed, with its
    25 best postings, so pages come from lists, from whole postings and from both, and
    a page longer than a list from every posting."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lists, "LIST_MIN_DF", 40)
        patch.setattr(lists, "LIST_SIZE", 25)
        yield


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    tmp = tmp_path_factory.mktemp("first-page")
    con = connection.connect(Catalog.parse(tmp / "news.sqlite"))
    migrations.prepare(con)
    files = [corpus_file(i) for i in range(ARTICLES)]
    run(con, tmp, "run-1", files[: ARTICLES // 2])
    # `newsetl maintain` lists the common terms; the second run adds its postings to the lists.
    with commit.transaction(con):
        lists.maintain(con)
    run(con, tmp, "run-2", files[ARTICLES // 2 :])
    yield con
    con.close()


def ranking(con: duckdb.DuckDBPyConnection, query: str, k: int | None = None) -> list[tuple]:
    if k is None:
        return con.execute("SELECT * FROM search_articles(?)", [query]).fetchall()
    return con.execute("SELECT * FROM search_articles(?, k := ?)", [query, k]).fetchall()


def length_mismatches(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Postings whose length is not their article's, or whose article is not indexed."""
    return con.execute(
        """
        SELECT p.lang, p.term, p.doc, p.length, d.length
        FROM newsetl_internal.search_postings AS p
        LEFT JOIN newsetl_internal.search_docs AS d USING (doc)
        WHERE d.length IS DISTINCT FROM p.length
        LIMIT 10
        """
    ).fetchall()


def test_the_lake_holds_both_languages(lake: duckdb.DuckDBPyConnection) -> None:
    languages = dict(
        lake.execute(
            "SELECT language, count(*) FROM newsetl_internal.search_docs GROUP BY 1"
        ).fetchall()
    )
    assert languages.get("kk", 0) > 100 and languages.get("ru", 0) > 50


@pytest.mark.parametrize("query", QUERIES)
def test_the_first_page_is_the_top_of_the_full_ranking(
    lake: duckdb.DuckDBPyConnection, query: str
) -> None:
    full = ranking(lake, query)
    assert full, f"no article matches {query!r}"
    for k in PAGES:
        assert ranking(lake, query, k) == full[:k]


def test_a_common_word_matches_more_articles_than_a_page(lake: duckdb.DuckDBPyConnection) -> None:
    """Where the bound matters: far more matches than one page."""
    assert len(ranking(lake, "министр")) > 5 * max(PAGES[:-1])


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=4),
    k=st.integers(min_value=1, max_value=60),
)
def test_any_query_s_first_page_is_the_top_of_its_ranking(
    lake: duckdb.DuckDBPyConnection, words: list[str], k: int
) -> None:
    query = " ".join(words)
    assert ranking(lake, query, k) == ranking(lake, query)[:k]


def test_no_page_size_is_every_row(lake: duckdb.DuckDBPyConnection) -> None:
    assert ranking(lake, "министр", 0) == ranking(lake, "министр")
    assert len(ranking(lake, "министр", 10**6)) == len(ranking(lake, "министр"))


def test_every_posting_carries_its_article_s_length(lake: duckdb.DuckDBPyConnection) -> None:
    assert length_mismatches(lake) == []


def test_changed_and_deleted_articles_leave_the_first_page(tmp_path: Path) -> None:
    con = connection.connect(Catalog.parse(tmp_path / "news.sqlite"))
    try:
        migrations.prepare(con)
        files = [corpus_file(i) for i in range(200)]
        run(con, tmp_path, "run-1", files)
        changed, deleted, new = change_and_delete(con, tmp_path, files, 30, 20)
        assert length_mismatches(con) == []
        live = {key for key, _ in files[60:] + changed + new}
        indexed = con.execute("SELECT key FROM newsetl_internal.search_docs").fetchall()
        assert {key for (key,) in indexed} <= live
        assert not {key for (key,) in indexed} & set(deleted)
        # Deleted articles hold no postings and count in no frequency.
        assert (
            con.execute(
                "SELECT count(*) FROM newsetl_internal.search_postings WHERE doc IN "
                "(SELECT hash(key) FROM (SELECT unnest(?::VARCHAR[]) AS key))",
                [list(deleted)],
            ).fetchone()[0]
            == 0
        )
        for query in ("министр", "ынтымақтастық сотрудничества"):
            full = ranking(con, query)
            assert not {row[0] for row in full} & set(deleted)
            for k in (1, 20):
                assert ranking(con, query, k) == full[:k]
    finally:
        con.close()


def test_a_page_ending_inside_a_tie_breaks_it_as_the_full_ranking(
    lake: duckdb.DuckDBPyConnection,
) -> None:
    """Where the k-th and the (k+1)-th score are equal, the articles tied beyond the page are read
    too and the tie is broken by date and key, as in the full ranking."""
    edges = []
    for query in QUERIES:
        full = ranking(lake, query)
        edges += [(query, i + 1) for i in range(len(full) - 1) if full[i][4] == full[i + 1][4]]
    assert edges, "no tie in the corpus"
    for query, k in edges[:20]:
        assert ranking(lake, query, k) == ranking(lake, query)[:k]
