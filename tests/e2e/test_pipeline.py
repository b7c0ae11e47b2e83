"""The ingest flow end to end against a real moto server, real DuckDB files and a Prefect server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from newsetl.common import sqlfiles
from newsetl.source.plan import PlanRefused
from tests.conftest import SAMPLE, snapshot, table
from tests.http_counter import CountingProxy

GOLDEN = {
    "000_87f847a6d181454e": ("Алжирдің Коммуникация министрі", date(2026, 1, 8), "kk"),
    "001_97a145f7f1734331": ("Доха форумы: Қазақстан", None, "kk"),
    "002_6b6f623981be19cf": ("Лондонда Орталық Азия елдері", date(2026, 2, 28), "kk"),
    "003_5c9351a6b67bfa3b": ("Мәулен Әшімбаев АҚШ Конгресі", date(2024, 3, 26), "kk"),
    "004_7354ca18adfe16e0": ("МИД: Встречи с дипломатами", date(2026, 3, 6), "ru"),
}


def test_samples_land_with_golden_fields(run_flow, bucket: str, warehouse_dir: Path) -> None:
    db = warehouse_dir / "news.sqlite"
    summary = run_flow(bucket, db)
    assert (summary.listed, summary.new, summary.loaded, summary.quarantined) == (5, 5, 5, 0)
    rows = table(db, "SELECT doc_id, title, published_date, language, body FROM articles")
    assert {r[0] for r in rows} == set(GOLDEN)
    for doc, title, published, language, body in rows:
        expected_title, expected_date, expected_language = GOLDEN[doc]
        assert title.startswith(expected_title)
        assert published == expected_date
        assert language == expected_language
        assert body and title not in body.split("\n")
    counts = dict(table(db, "SELECT key, count(*) FROM paragraphs GROUP BY key"))
    assert counts == dict(table(db, "SELECT key, paragraph_count FROM articles"))
    assert table(db, "SELECT status, loaded, listed FROM ingest_runs") == [("completed", 5, 5)]
    assert table(db, "SELECT count(*) FROM dq_results WHERE suite = 'articles'")[0][0] > 5


def test_second_run_fetches_nothing_and_changes_nothing(
    run_flow, moto, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    with CountingProxy(moto.url) as proxy:
        first = run_flow(bucket, db, endpoint_url=proxy.url)
        assert proxy.object_gets() == 5
        before = snapshot(db)
        proxy.reset()
        second = run_flow(bucket, db, endpoint_url=proxy.url)
        assert proxy.object_gets() == 0
    assert (second.unchanged, second.new, second.loaded) == (5, 0, 0)
    assert snapshot(db) == before
    assert first.run_id != second.run_id
    assert table(db, "SELECT count(*) FROM ingest_runs")[0][0] == 2


def test_changed_object_replaces_article_and_paragraphs(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    run_flow(bucket, db)
    key = "incoming/001_97a145f7f1734331.txt"
    text = (SAMPLE / "001_97a145f7f1734331.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    edited = "\n".join(["Жаңартылған тақырып: Доха форумы қорытындысы", *lines[1:-2]]) + "\n"
    s3.put_object(Bucket=bucket, Key=key, Body=edited.encode("utf-8"))
    summary = run_flow(bucket, db)
    assert (summary.changed, summary.unchanged, summary.loaded) == (1, 4, 1)
    title, count = table(db, f"SELECT title, paragraph_count FROM articles WHERE key = '{key}'")[0]
    assert title == "Жаңартылған тақырып: Доха форумы қорытындысы"
    assert count == 6
    assert table(db, f"SELECT count(*) FROM paragraphs WHERE key = '{key}'")[0][0] == 6
    assert table(db, "SELECT count(*) FROM articles")[0][0] == 5
    # Search changed in the same snapshot: the new title is found, the dropped last lines are not.
    assert table(db, "SELECT key FROM search_articles('қорытындысы')") == [(key,)]
    assert "мәрте" in lines[-1] and "мәрте" not in edited
    assert key not in [row[0] for row in table(db, "SELECT key FROM search_articles('мәрте')")]
    assert table(db, "SELECT count(*), count(DISTINCT key) FROM newsetl_internal.search_docs") == [
        (5, 5)
    ]


def test_deleted_object_is_marked_and_kept(run_flow, s3, bucket: str, warehouse_dir: Path) -> None:
    db = warehouse_dir / "news.sqlite"
    run_flow(bucket, db)
    key = "incoming/002_6b6f623981be19cf.txt"
    s3.delete_object(Bucket=bucket, Key=key)
    with pytest.raises(PlanRefused, match="1 of 5 live objects"):  # 20% > the 10% default
        run_flow(bucket, db)
    summary = run_flow(bucket, db, allow_deletes=True)
    assert (summary.deleted, summary.listed, summary.unchanged) == (1, 4, 4)
    rows = table(db, "SELECT key, deleted_at IS NOT NULL FROM articles ORDER BY key")
    assert len(rows) == 5
    assert dict(rows)[key] is True
    assert sum(flag for _, flag in rows) == 1
    assert table(db, f"SELECT status FROM source_objects WHERE key = '{key}'") == [("deleted",)]
    assert table(db, "SELECT count(*) FROM search_articles('Хойл')") == [(0,)]  # only in 002
    # The object coming back makes it live again.
    s3.put_object(Bucket=bucket, Key=key, Body=(SAMPLE / Path(key).name).read_bytes())
    again = run_flow(bucket, db)
    assert again.new == 1
    assert table(db, f"SELECT deleted_at FROM articles WHERE key = '{key}'") == [(None,)]
    assert table(db, "SELECT key FROM search_articles('Хойл')") == [(key,)]


def test_full_refresh_reprocesses_everything_into_the_same_rows(
    run_flow, moto, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    run_flow(bucket, db)
    before = snapshot(db)
    with CountingProxy(moto.url) as proxy:
        summary = run_flow(bucket, db, endpoint_url=proxy.url, full_refresh=True)
        assert proxy.object_gets() == 5
    assert (summary.refreshed, summary.unchanged, summary.loaded) == (5, 0, 5)
    assert snapshot(db) == before


def test_failure_in_the_middle_of_the_load_changes_nothing(
    run_flow, s3, bucket: str, warehouse_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = warehouse_dir / "news.sqlite"
    run_flow(bucket, db)
    before = snapshot(db)
    runs_before = table(db, "SELECT count(*) FROM ingest_runs")[0][0]
    s3.delete_object(Bucket=bucket, Key="incoming/000_87f847a6d181454e.txt")
    s3.put_object(
        Bucket=bucket,
        Key="incoming/005_extra.txt",
        Body=(SAMPLE / "004_7354ca18adfe16e0.txt")
        .read_bytes()
        .replace("МИД".encode(), "МИД РК".encode()),
    )
    real_sql_file = sqlfiles.sql_file

    def with_fault(name: str) -> str:
        script = real_sql_file(name)
        if name == "load/insert.sql":  # after the deletions, halfway through the inserts
            middle = script.index("INSERT INTO quarantine")
            fault = "SELECT error('injected failure in the middle of the load');\n\n"
            script = script[:middle] + fault + script[middle:]
        return script

    snapshots_before = table(db, "SELECT count(*) FROM ducklake_snapshots('news')")
    monkeypatch.setattr(sqlfiles, "sql_file", with_fault)
    with pytest.raises(Exception, match="injected failure"):
        run_flow(bucket, db, allow_deletes=True)
    assert snapshot(db) == before
    assert table(db, "SELECT count(*) FROM ingest_runs")[0][0] == runs_before
    assert table(db, "SELECT count(*) FROM ducklake_snapshots('news')") == snapshots_before
    monkeypatch.setattr(sqlfiles, "sql_file", real_sql_file)
    summary = run_flow(bucket, db, allow_deletes=True)
    assert (summary.new, summary.deleted, summary.loaded) == (1, 1, 1)
    assert table(db, "SELECT count(*), count(DISTINCT key) FROM articles") == [(6, 6)]
    assert table(db, "SELECT count(*) FROM articles WHERE deleted_at IS NOT NULL") == [(1,)]
    dupes = table(
        db,
        "SELECT count(*) FROM (SELECT key, position FROM paragraphs "
        "GROUP BY ALL HAVING count(*) > 1)",
    )
    assert dupes == [(0,)]


def test_every_listed_object_is_accounted_for(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    s3.put_object(Bucket=bucket, Key="incoming/_SUCCESS", Body=b"")
    s3.put_object(Bucket=bucket, Key="incoming/manifest.json", Body=b'{"files": 5}')
    s3.put_object(Bucket=bucket, Key="incoming/empty.txt", Body=b"")
    summary = run_flow(bucket, db)
    assert (summary.listed, summary.ignored, summary.loaded, summary.quarantined) == (8, 2, 5, 1)
    assert (
        summary.listed == summary.ignored + summary.unchanged + summary.loaded + summary.quarantined
    )
    assert table(db, "SELECT key FROM quarantine") == [("incoming/empty.txt",)]
    again = run_flow(bucket, db)
    assert (again.listed, again.ignored, again.unchanged) == (8, 2, 6)


def test_a_small_run_parses_in_its_fetching_threads() -> None:
    """Below NEWSETL_PARSE_POOL_MIN_OBJECTS no parse worker starts: for a few articles their
    start-up costs more than parsing. From that size on, a run uses them."""
    from newsetl.common.settings import Settings
    from newsetl.parse.chunk import parse_pool, parse_processes_for
    from tasks.fetch import start_parse_workers

    settings = Settings(parse_processes=2, parse_pool_min_objects=200)
    before = parse_pool.cache_info()
    small = start_parse_workers(settings, 199)
    assert small.parse_processes == 0 and settings.parse_processes == 2
    assert parse_pool.cache_info() == before  # no pool was started
    assert parse_processes_for(2, 200, 200) == 2
    assert parse_processes_for(2, 0, 0) == 0  # nothing to parse, nothing to start
    assert parse_processes_for(0, 10_000, 0) == 0


def test_a_report_failing_after_the_commit_is_exit_4_and_the_next_run_builds_it(
    run_flow, bucket: str, warehouse_dir: Path, tmp_path: Path
) -> None:
    """The Data Docs come after the commit: when they cannot be written, the run is still
    committed, says which step failed (exit 4, not 1: something was committed), and the next
    run, with nothing new to load, builds them."""
    from newsetl.cli.run import exit_code
    from newsetl.cli.terminal import EXIT_FOLLOWUP

    db, reports = warehouse_dir / "news.sqlite", tmp_path / "reports"
    reports.mkdir()
    (reports / "data_docs").write_text("a file where the Data Docs folder goes")
    summary = run_flow(bucket, db, reports_dir=str(reports))
    assert summary.status == "completed" and summary.loaded == 5
    assert [error.split(":")[0] for error in summary.followup_errors] == ["Data Docs"]
    assert exit_code(summary) == EXIT_FOLLOWUP
    assert table(db, "SELECT count(*) FROM articles") == [(5,)]  # committed all the same

    (reports / "data_docs").unlink()
    again = run_flow(bucket, db, reports_dir=str(reports))
    assert again.loaded == 0 and not again.followup_errors
    assert (reports / "data_docs" / "index.html").is_file()


def test_a_dead_parse_worker_is_replaced_for_the_retry(tmp_path: Path) -> None:
    """A parse worker that dies breaks its pool for good: the chunk fails (Prefect retries it)
    and the retry gets a new pool instead of the broken one."""
    import os
    import signal
    from concurrent.futures.process import BrokenProcessPool

    from newsetl.parse.chunk import _parse_in_pool, parse_pool

    items = [("incoming/a.txt", next(SAMPLE.glob("*.txt")).read_bytes())]
    parse_pool.cache_clear()
    try:
        broken = parse_pool(1)
        broken.submit(os.getpid).result()  # its worker is up
        for pid in list(broken._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            _parse_in_pool(1, items, tmp_path / "one", 0, [])
        outcome = _parse_in_pool(1, items, tmp_path / "two", 0, [])
        assert parse_pool(1) is not broken
        assert outcome.checks.height == 1
    finally:
        parse_pool(1).shutdown()
        parse_pool.cache_clear()
