"""Planning and deciding are plain functions: tested without Prefect, S3 or DuckDB."""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime
from pathlib import PurePosixPath

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsetl.parse.rows import mark_duplicates
from newsetl.quality.decide import decide_rows, verdict
from newsetl.quality.summary import RunSummary
from newsetl.source.objects import ObjectRef, Wanted, matches
from newsetl.source.plan import (
    LISTING_SCHEMA,
    MIN_CHUNK,
    STATE_SCHEMA,
    chunk_rows,
    plan_changes,
    plan_retry,
    split_listing,
    wanted_chunks,
    wanted_in,
)

NOW = datetime(2026, 3, 6, tzinfo=UTC)


def listing(*rows: tuple[str, str, int]) -> pl.DataFrame:
    return pl.DataFrame([(k, e, s, NOW) for k, e, s in rows], schema=LISTING_SCHEMA, orient="row")


def state(*rows: tuple[str, str, int, str]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=STATE_SCHEMA, orient="row")


def test_plan_sorts_objects_into_new_changed_unchanged_deleted() -> None:
    plan = plan_changes(
        listing(("a.txt", "e1", 10), ("b.txt", "e2", 20), ("c.txt", "e3", 30), ("d.txt", "e4", 5)),
        state(
            ("a.txt", "e1", 10, "loaded"),
            ("b.txt", "e2", 21, "loaded"),  # same ETag, other size: changed
            ("d.txt", "e4", 5, "deleted"),  # came back: new
            ("gone.txt", "e9", 1, "quarantined"),
        ),
        full_refresh=False,
    )
    got = {k: (c, p) for k, c, p in plan.select("key", "change", "process").iter_rows()}
    assert got == {
        "a.txt": ("unchanged", False),
        "b.txt": ("changed", True),
        "c.txt": ("new", True),
        "d.txt": ("new", True),
        "gone.txt": ("deleted", False),
    }
    refreshed = plan_changes(
        listing(("a.txt", "e1", 10)), state(("a.txt", "e1", 10, "loaded")), True
    )
    assert refreshed.select("change", "process").row(0) == ("unchanged", True)


def test_retry_plan_never_deletes_what_it_does_not_list() -> None:
    plan = plan_retry(
        listing(("held.txt", "e1", 3)),
        state(("held.txt", "e1", 3, "quarantined"), ("article.txt", "e2", 9, "loaded")),
    )
    assert plan.select("key", "change", "process").rows() == [("held.txt", "unchanged", True)]


def test_pattern_matches_file_names_only() -> None:
    refs = [
        ObjectRef("incoming/txt/_SUCCESS", "e", 0, NOW),
        ObjectRef("incoming/жаңа мақала.txt", "e", 1, NOW),
        ObjectRef("incoming/manifest.json", "e", 2, NOW),
    ]
    split = split_listing(refs, "*.txt")
    assert split.matched["key"].to_list() == ["incoming/жаңа мақала.txt"]
    assert split.ignored == ["incoming/txt/_SUCCESS", "incoming/manifest.json"]


@given(
    key=st.lists(
        st.sampled_from(["", ".", "..", "a", "мақала.txt", "b.json", "_SUCCESS", "x.txt."]),
        min_size=1,
        max_size=5,
    ).map("/".join),
    pattern=st.sampled_from(["*.txt", "*", "b.*", "", ".", "_*"]),
)
def test_a_key_is_matched_by_the_name_pathlib_gives_it(key: str, pattern: str) -> None:
    assert matches(key, pattern) == fnmatch.fnmatchcase(PurePosixPath(key).name, pattern)


def test_the_objects_to_read_come_in_chunks_of_the_size_in_order() -> None:
    plan = plan_changes(
        listing(*[(f"в/{i:02d}.txt", f"e{i}", i) for i in range(7)]),
        state(("в/00.txt", "e0", 0, "loaded"), ("в/99.txt", "e9", 9, "loaded")),
        full_refresh=False,
    )
    chunks = wanted_chunks(plan, 4)
    assert [chunk.height for chunk in chunks] == [4, 2]
    objects = [wanted for chunk in chunks for wanted in wanted_in(chunk)]
    assert objects == [Wanted(f"в/{i:02d}.txt", f"e{i}", i) for i in range(1, 7)]
    assert wanted_chunks(plan.filter(~pl.col("process")), 4) == []


@pytest.mark.parametrize(
    ("objects", "most", "processes", "rows"),
    [
        (100_000, 2000, 2, 2000),  # a large run: chunks of the chunk size
        (5_000, 2000, 2, 625),  # four chunks a worker: 8 chunks of 625
        (600, 2000, 2, MIN_CHUNK),  # never below MIN_CHUNK (75 would give four each)
        (1_000, 50, 2, 50),  # a smaller chunk size asked for stays
        (200, 2000, 0, 2000),  # parsed in the fetching threads: one chunk
        (0, 2000, 2, 2000),
    ],
)
def test_a_run_parsed_by_workers_gives_each_a_few_chunks(
    objects: int, most: int, processes: int, rows: int
) -> None:
    assert chunk_rows(objects, most, processes) == rows


def test_the_chunks_of_a_run_parsed_by_workers_cover_it_in_order() -> None:
    keys = [(f"жаңалық/{i:04d}.txt", f"e{i}", i) for i in range(2_500)]
    plan = plan_changes(listing(*keys), state(), full_refresh=False)
    chunks = wanted_chunks(plan, 2000, processes=2)
    assert [chunk.height for chunk in chunks] == [313] * 7 + [309]
    objects = [wanted.key for chunk in chunks for wanted in wanted_in(chunk)]
    assert objects == [key for key, _, _ in keys]
    assert [chunk.height for chunk in wanted_chunks(plan, 2000)] == [2000, 500]


def test_summary_counts_add_up() -> None:
    plan = plan_changes(
        listing(("a", "1", 1), ("b", "2", 2), ("c", "3", 3)),
        state(("a", "1", 1, "loaded"), ("z", "9", 9, "loaded")),
        full_refresh=False,
    )
    summary = RunSummary(run_id="r", source="s", db="d", started_at=NOW)
    summary.record_plan(plan, ignored=4)
    assert (summary.listed, summary.unchanged, summary.new, summary.deleted) == (7, 1, 2, 1)


def test_duplicates_point_at_the_earlier_copy() -> None:
    checks = pl.DataFrame(
        {
            "key": ["b", "a", "c", "d"],
            "content_status": ["ok", "ok", "ok", "ok"],
            "content_sha256": ["x", "x", "y", "z"],
        }
    )
    existing = pl.DataFrame({"key": ["old"], "content_sha256": ["y"]})
    marked = dict(mark_duplicates(checks, existing).select("key", "duplicate_of").iter_rows())
    assert marked == {"a": None, "b": "a", "c": "old", "d": None}


def test_rejections_are_quarantined_even_if_a_suite_lets_them_pass() -> None:
    checks = pl.DataFrame(
        {
            "key": ["good", "png", "short"],
            "content_status": ["ok", "binary", "ok"],
            "parser_reasons": [[], ["PNG image"], []],
            "content_sha256": ["1", "2", "3"],
            "source_encoding": ["utf-8", None, "utf-8"],
        }
    )
    decisions = decide_rows(checks, {"short": ["body_min_length"]}, {"good": ["no_mixed"]})
    got = {
        k: (d, r, w)
        for k, d, r, w in decisions.select("key", "destination", "reasons", "warnings").iter_rows()
    }
    assert got == {
        "good": ("articles", [], ["no_mixed"]),
        "png": ("quarantine", ["parser: PNG image"], []),
        "short": ("quarantine", ["body_min_length"], []),
    }


def test_verdict_fails_above_the_threshold_only() -> None:
    assert verdict(10, 2, 0.2, []).passed
    failed = verdict(10, 3, 0.2, [])
    assert not failed.passed and "3 of 10 objects (30%)" in failed.message
    assert not verdict(10, 0, 0.2, ["listing_not_empty"]).passed
