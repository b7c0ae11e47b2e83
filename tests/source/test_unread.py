"""Objects a run cannot read, objects too large to fetch, and what a plan may not do: the plain
functions below the flow, against real files and a real moto server."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from markdown_it import MarkdownIt

from newsetl.common import markdown as md
from newsetl.parse.chunk import process_chunk
from newsetl.quality.summary import RunSummary
from newsetl.source.objects import ObjectUnreadable, Wanted
from newsetl.source.plan import (
    LISTING_SCHEMA,
    STATE_SCHEMA,
    PlanRefused,
    check_plan,
    mark_unread,
    plan_changes,
    split_listing,
    unlisted_objects,
)
from newsetl.source.stores import LocalSource

NOW = datetime(2026, 3, 6, tzinfo=UTC)
KAZ = "Астана — Қазақстан Республикасының астанасы.\n\nМақала мәтіні осында.\n".encode()


def listing(*keys: str) -> pl.DataFrame:
    return pl.DataFrame([(k, "e", 1, NOW) for k in keys], schema=LISTING_SCHEMA, orient="row")


def state(*keys: str) -> pl.DataFrame:
    return pl.DataFrame([(k, "e", 1, "loaded") for k in keys], schema=STATE_SCHEMA, orient="row")


def test_known_objects_under_an_unlisted_folder_are_unread_not_deleted() -> None:
    plan = plan_changes(
        listing("a/1.txt"),
        state("a/1.txt", "locked/2.txt", "gone/3.txt"),
        full_refresh=False,
        unlisted=["locked/"],
    )
    changes = dict(plan.select("key", "change").iter_rows())
    assert changes == {"a/1.txt": "unchanged", "locked/2.txt": "unread", "gone/3.txt": "deleted"}
    assert unlisted_objects(plan, [("locked/", "Permission denied")]) == [
        ("locked/2.txt", "its folder could not be listed: Permission denied")
    ]


def test_unread_objects_are_neither_processed_nor_deleted() -> None:
    plan = plan_changes(listing("new.txt", "old.txt"), state("old.txt"), full_refresh=True)
    marked = mark_unread(plan, ["new.txt"])
    got = {k: (c, p) for k, c, p in marked.select("key", "change", "process").iter_rows()}
    assert got == {"new.txt": ("unread", False), "old.txt": ("unchanged", True)}


def test_a_new_source_and_a_mass_deletion_are_refused_unless_asked_for() -> None:
    keys = [f"k{i}.txt" for i in range(20)]
    plan = plan_changes(listing(*keys[:17]), state(*keys), full_refresh=False)  # 3 of 20 gone
    args = {"new_source": False, "max_delete_share": 0.1, "allow_deletes": False}
    with pytest.raises(PlanRefused, match="never been fed from s3://b/typo/"):
        check_plan(plan, "s3://b/typo/", ["s3://b/incoming/"], **args)
    check_plan(
        plan,
        "s3://b/typo/",
        ["s3://b/incoming/"],
        **{**args, "allow_deletes": True, "new_source": True},
    )
    check_plan(listing("x.txt").with_columns(change=pl.lit("new")), "any", [], **args)  # empty
    with pytest.raises(PlanRefused, match="3 of 20 live objects"):
        check_plan(plan, "s3://b/incoming/", ["s3://b/incoming/"], **args)
    check_plan(plan, "s3://b/incoming/", ["s3://b/incoming/"], **{**args, "max_delete_share": 0.2})


def test_accounting_places_unread_objects_once() -> None:
    summary = RunSummary(run_id="r", source="s", db="d", started_at=NOW)
    summary.record_plan(
        plan_changes(listing("a.txt", "b.txt"), state(), full_refresh=False), ignored=0
    )
    summary.loaded = 1
    assert not summary.accounted()
    summary.record_unread([("b.txt", "access denied")])
    assert summary.accounted() and summary.counts()["unread"] == 1


HOSTILE_KEYS = ["in/a|b.txt", "in/`tick`.txt", "in/``x`.txt", "in/<script>alert(1)</script>.txt"]


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_markdown_shows_hostile_keys_literally_in_one_table_cell(key: str) -> None:
    source = f"| key | reason |\n|---|---|\n| {md.code(key)} | {md.text(key + ' *x* [a](b)')} |\n"
    html = MarkdownIt("commonmark").enable("table").render(source)
    assert html.count("<td>") == 2, html
    assert "<script>" not in html and "<a " not in html and "<em>" not in html
    code = html.split("<code>", 1)[1].split("</code>", 1)[0]
    assert code.strip().replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == key


def test_run_summary_markdown_escapes_keys_and_reasons() -> None:
    summary = RunSummary(run_id="r", source="s3://b/in/", db="d", started_at=NOW)
    summary.worst_rows = [{"key": "in/a|b`.txt", "destination": "quarantine", "reasons": ["<b>"]}]
    summary.record_unread([("in/[/x]|<img src=x>.txt", "access denied")])
    html = MarkdownIt("commonmark").enable("table").render(summary.markdown())
    assert "<img" not in html and "<b>" not in html
    for row in html.split("<tr>")[1:]:
        assert row.count("<td") in (0, 2, 3), row


def test_directory_source_never_reads_outside_its_root(tmp_path: Path) -> None:
    root, secret = tmp_path / "src", tmp_path / "secret.txt"
    (root / "in").mkdir(parents=True)
    secret.write_text("секрет", encoding="utf-8")
    (root / "in" / "ok.txt").write_bytes(KAZ)
    (root / "in" / "link.txt").symlink_to(secret)
    (root / "in" / "inner.txt").symlink_to(root / "in" / "ok.txt")
    (root / "out").symlink_to(tmp_path, target_is_directory=True)
    source = LocalSource(root)
    keys = [ref.key for ref in source.list()]
    assert keys == ["in/inner.txt", "in/ok.txt"]
    assert source.outside == ["in/link.txt"]
    with pytest.raises(ObjectUnreadable, match="outside the source folder"):
        source.fetch("in/link.txt")
    with pytest.raises(ObjectUnreadable, match="outside the source folder"):
        source.fetch("../secret.txt")
    assert split_listing(source.list(), "*.txt", [], source.outside).ignored == ["in/link.txt"]


def test_a_directory_lists_regular_files_of_every_depth_by_key(tmp_path: Path) -> None:
    root = tmp_path / "src"
    (root / "2019" / "03" / "жаңалықтар").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "2019" / "03" / "жаңалықтар" / "мақала.txt").write_bytes(KAZ)
    (root / "2019" / "03" / "b.txt").write_bytes(KAZ + KAZ)
    (root / "top.txt").write_bytes(b"x")
    (root / "back").symlink_to(root / "2019", target_is_directory=True)  # not followed
    (root / "alias.txt").symlink_to(root / "top.txt")
    os.mkfifo(root / "2019" / "pipe.txt")
    refs = list(LocalSource(root).list())
    assert [ref.key for ref in refs] == [
        "2019/03/b.txt",
        "2019/03/жаңалықтар/мақала.txt",
        "alias.txt",
        "top.txt",
    ]
    sizes = {ref.key: ref.size for ref in refs}
    assert sizes["2019/03/b.txt"] == 2 * len(KAZ) and sizes["alias.txt"] == 1
    for ref in refs:
        assert LocalSource(root).fetch(ref.key, ref.etag) == (root / ref.key).read_bytes()


def test_a_folder_swapped_for_a_link_out_after_the_listing_is_not_read(tmp_path: Path) -> None:
    root, elsewhere = tmp_path / "src", tmp_path / "elsewhere"
    (root / "in").mkdir(parents=True)
    elsewhere.mkdir()
    (root / "in" / "a.txt").write_bytes(KAZ)
    (elsewhere / "a.txt").write_text("секрет", encoding="utf-8")
    source = LocalSource(root)
    assert [ref.key for ref in source.list()] == ["in/a.txt"]
    assert source.fetch("in/a.txt") == KAZ
    (root / "in" / "a.txt").unlink()
    (root / "in").rmdir()
    (root / "in").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ObjectUnreadable, match="outside the source folder"):
        source.fetch("in/a.txt")


def test_only_regular_files_are_opened(tmp_path: Path) -> None:
    """A FIFO (or a device) put under a listed key would block a plain open, or act on it."""
    (tmp_path / "a.txt").write_bytes(KAZ)
    source = LocalSource(tmp_path)
    (ref,) = list(source.list())
    (tmp_path / "a.txt").unlink()
    os.mkfifo(tmp_path / "a.txt")
    with pytest.raises(ObjectUnreadable, match="not a regular file"):
        source.fetch("a.txt", ref.etag)
    assert [ref.key for ref in source.list()] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_files_and_folders_are_reported_not_dropped(tmp_path: Path) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_bytes(KAZ)
    (tmp_path / "closed.txt").write_bytes(KAZ)
    (tmp_path / "closed.txt").chmod(0)
    (tmp_path / "locked").chmod(0)
    try:
        source = LocalSource(tmp_path)
        refs = {ref.key: ref for ref in source.list()}
        assert list(refs) == ["closed.txt"]
        assert source.unlisted == [("locked/", "Permission denied")]
        with pytest.raises(ObjectUnreadable, match="permission denied"):
            source.fetch("closed.txt", refs["closed.txt"].etag)
    finally:
        (tmp_path / "locked").chmod(0o755)


def test_a_file_changed_since_the_listing_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(KAZ)
    source = LocalSource(tmp_path)
    (ref,) = list(source.list())
    assert source.fetch("a.txt", ref.etag) == KAZ
    (tmp_path / "a.txt").write_bytes(KAZ + KAZ)
    with pytest.raises(ObjectUnreadable, match="changed since it was listed"):
        source.fetch("a.txt", ref.etag)


def test_a_chunk_holds_large_objects_unfetched_and_reads_the_rest(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "small.txt").write_bytes(KAZ)
    (src / "huge.txt").write_bytes(KAZ * 1000)
    source = LocalSource(src)
    refs = {r.key: r for r in source.list()}
    wanted = [Wanted(k, r.etag, r.size) for k, r in refs.items()]
    wanted.append(Wanted("missing.txt", "x", 1))
    outcome = process_chunk(source, wanted, 4, tmp_path / "stage", 0, max_object_bytes=10_000)
    statuses = dict(outcome.checks.select("key", "content_status").iter_rows())
    assert statuses == {"small.txt": "ok", "huge.txt": "too_large"}
    assert outcome.unread == [("missing.txt", "deleted since it was listed")]
    assert outcome.fetched_bytes == len(KAZ)
    raw = dict(pl.read_parquet(outcome.files["raw"]).iter_rows())
    assert raw["huge.txt"] == b""
