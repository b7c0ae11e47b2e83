"""The load inserts a run's search postings in batches of staged chunks (at most
POSTINGS_ROWS_PER_INSERT rows each, newsetl.lake.commit.batches_of_rows): the grouping keeps the
files' order and bound, and a lake loaded in batches holds the same postings, in files sorted by
term, and answers every query as one loaded chunk by chunk. A run's chunks are loaded in batches
of objects too (OBJECTS_PER_INSERT, commit.batches_of_chunks), and every table then holds what
one pass over them wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import duckdb
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from bench.corpus import build
from newsetl.common.catalog import Catalog
from newsetl.lake import commit, connection, migrations
from newsetl.parse.chunk import STAGED_TABLES, stage_chunk
from newsetl.quality.decide import decide_rows
from newsetl.quality.summary import RunSummary
from tasks.load import DQ_SCHEMA

CHUNKS, PER_CHUNK = 5, 24
QUERIES = ("министр", "ынтымақтастық сотрудничества", "Қазақстан Казахстан", "жылы")


@given(
    rows=st.lists(st.integers(min_value=0, max_value=50), max_size=30),
    limit=st.integers(min_value=1, max_value=120),
)
def test_batches_keep_the_files_order_and_their_bound(rows: list[int], limit: int) -> None:
    files = [(Path(f"part-{i:05d}.parquet"), n) for i, n in enumerate(rows)]
    batches = commit.batches_of_rows(files, limit)
    size = dict(files)
    assert [path for batch in batches for path in batch] == [path for path, _ in files]
    for batch in batches:
        assert batch
        assert len(batch) == 1 or sum(size[path] for path in batch) <= limit
    for batch, following in pairwise(batches):
        # a batch closes only when the next file would take it over the bound
        assert sum(size[path] for path in batch) + size[following[0]] > limit


def load(
    tmp: Path, name: str, batch_rows: int | None, objects: int | None = None
) -> duckdb.DuckDBPyConnection:
    """One run of CHUNKS staged chunks of bench articles, committed with its postings one file per
    insert (`batch_rows` None) or in batches of at most `batch_rows` rows; in one pass of the
    insert scripts, or (`objects`) in batches of chunks of at most that many objects."""
    con = connection.connect(Catalog.parse(tmp / name / "news.sqlite"))
    migrations.prepare(con)
    stage = tmp / name / "stage"
    outcomes = []
    for index in range(CHUNKS):
        built = [build(23, index * PER_CHUNK + i) for i in range(PER_CHUNK)]
        items = [(spec.key, raw) for spec, raw in built]
        items.append((f"blank/{index}.txt", b" \n "))  # one for the quarantine a chunk
        outcomes.append(stage_chunk(items, stage, index))
    checks = pl.concat([outcome.checks for outcome in outcomes])
    now = datetime.now(UTC)
    keys = checks["key"].to_list()
    plan = pl.DataFrame(
        {
            "key": keys,
            "etag": [f"e-{key}" for key in keys],
            "size": [1] * len(keys),
            "last_modified": [now] * len(keys),
            "change": ["new"] * len(keys),
            "process": [True] * len(keys),
        }
    )
    batches = None
    if batch_rows is not None:
        batches = commit.batches_of_rows(
            [(o.files["postings"], o.rows["postings"]) for o in outcomes], batch_rows
        )
        assert 1 < len(batches) < CHUNKS  # several chunks share an insert
    staged = [commit.Batch({name: [o.files[name] for o in outcomes] for name in STAGED_TABLES},
                           postings=batches)]  # fmt: skip
    if objects is not None:
        staged = commit.batches_of_chunks(
            [(o.files, o.checks["key"], o.rows) for o in outcomes], objects
        )
        assert 1 < len(staged) < CHUNKS
    commit.apply_run(
        con,
        run_ctx=pl.DataFrame(
            {"run_id": ["r1"], "source": ["s3://b/"], "now": [now]},
            schema={"run_id": pl.String, "source": pl.String, "now": pl.Datetime("us", "UTC")},
        ),
        plan=plan,
        decisions=decide_rows(checks, {}, {}),
        batches=staged,
        staged_schemas=STAGED_TABLES,
        run_row=RunSummary(run_id="r1", source="s3://b/", db="", started_at=now).run_row(),
        dq_rows=pl.DataFrame(schema=DQ_SCHEMA),
        loaded=True,
    )
    return con


def postings(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "SELECT lang, term, doc, tf, length FROM newsetl_internal.search_postings ORDER BY ALL"
    ).fetchall()


def data_files(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "SELECT data_file FROM ducklake_list_files('news', 'search_postings', "
            "schema => 'newsetl_internal')"
        ).fetchall()
    ]


def test_postings_loaded_in_batches_are_the_same_and_sorted_by_language_and_term(
    tmp_path: Path,
) -> None:
    chunked = load(tmp_path, "chunked", None)
    per_chunk = (
        chunked.execute("SELECT count(*) FROM newsetl_internal.search_postings").fetchone()[0]
        // CHUNKS
    )
    batched = load(tmp_path, "batched", 2 * per_chunk + per_chunk // 2)
    assert postings(batched) == postings(chunked)
    assert len(postings(batched)) > 0
    assert len(data_files(batched)) < len(data_files(chunked))
    for path in data_files(batched):
        terms = batched.execute("SELECT lang, term FROM read_parquet(?)", [path]).fetchall()
        assert terms == sorted(terms, key=lambda row: (row[0].encode(), row[1].encode()))
    for query in QUERIES:
        expected = chunked.execute("SELECT * FROM search_articles(?)", [query]).fetchall()
        assert expected
        assert batched.execute("SELECT * FROM search_articles(?)", [query]).fetchall() == expected


TABLES = {
    "articles": "SELECT * EXCLUDE (loaded_at) FROM articles",
    "paragraphs": "SELECT * FROM paragraphs",
    "quarantine": "SELECT * EXCLUDE (quarantined_at) FROM quarantine",
    "source_objects": "SELECT * EXCLUDE (last_modified) FROM source_objects",
    "search_docs": "SELECT * FROM newsetl_internal.search_docs",
    "search_postings": "SELECT * FROM newsetl_internal.search_postings",
    "search_counts": "SELECT lang, term, sum(df) FROM newsetl_internal.search_counts GROUP BY ALL",
    "search_corpus": "SELECT sum(docs), sum(length) FROM newsetl_internal.search_corpus",
}


def test_a_run_loaded_in_batches_of_objects_writes_what_one_pass_writes(tmp_path: Path) -> None:
    one = load(tmp_path, "one", None)
    batched = load(tmp_path, "batched", None, objects=2 * PER_CHUNK + PER_CHUNK // 2)
    for name, sql in TABLES.items():
        expected = one.execute(sql + " ORDER BY ALL").fetchall()
        assert expected, name
        assert batched.execute(sql + " ORDER BY ALL").fetchall() == expected, name
    placed = batched.execute(
        "SELECT key FROM articles UNION ALL SELECT key FROM quarantine ORDER BY key"
    ).fetchall()
    assert len(placed) == CHUNKS * (PER_CHUNK + 1) == len(set(placed))
    for query in QUERIES:
        assert batched.execute("SELECT * FROM search_articles(?, k := 5)", [query]).fetchall() == (
            one.execute("SELECT * FROM search_articles(?, k := 5)", [query]).fetchall()
        )
