"""Data quality through the whole flow: the hostile corpus, the quality gate, the quarantine,
and the daily report of what it left."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.ingest import RunFailed
from flows.report import dq_report
from newsetl.quality.dq_summary import REPORT_ARTIFACT_KEY
from newsetl.quality.report_page import PAGE_NAME
from newsetl.quality.reports_lock import ReportsLocked, reports_lock
from tests.conftest import ROOT, SAMPLE, table
from tests.hostile import corpus

SAMPLE_KEYS = {f"incoming/{p.name}" for p in SAMPLE.glob("*.txt")}


def test_hostile_corpus_every_object_in_exactly_one_place(
    run_flow, s3, bucket: str, warehouse_dir: Path, tmp_path: Path
) -> None:
    objects = corpus()
    for item in objects:
        s3.put_object(Bucket=bucket, Key=item.key, Body=item.body)
    db = warehouse_dir / "news.sqlite"
    summary = run_flow(bucket, db, critical_threshold=0.5)

    articles = {k for (k,) in table(db, "SELECT key FROM articles")}
    held = dict(table(db, "SELECT key, reasons FROM quarantine"))
    ignored = {o.key for o in objects if o.destination == "ignored"}
    listed = SAMPLE_KEYS | {o.key for o in objects}
    assert not articles & set(held)
    assert articles | set(held) | ignored == listed
    assert summary.listed == len(listed)
    assert summary.ignored == len(ignored)
    assert summary.loaded == len(articles) and summary.quarantined == len(held)
    for item in objects:
        if item.destination == "articles":
            assert item.key in articles, item
        elif item.destination == "quarantine":
            assert item.why in held[item.key], (item, held.get(item.key))
    warnings = dict(table(db, "SELECT key, warnings FROM articles"))
    for item in objects:
        if item.destination == "articles" and item.why.startswith(("no_", "not_", "published")):
            assert item.why in warnings[item.key], (item, warnings[item.key])
    raw = dict(table(db, "SELECT key, raw FROM quarantine"))
    for item in objects:
        if item.destination == "quarantine":
            assert bytes(raw[item.key]) == item.body  # kept exactly as fetched
    encodings = dict(table(db, "SELECT key, source_encoding FROM articles"))
    assert encodings["incoming/utf16.txt"].startswith("utf-16")
    assert encodings["incoming/cp1251.txt"] == "cp1251"
    assert encodings["incoming/koi8r.txt"] == "koi8-r"
    titles = dict(table(db, "SELECT key, title FROM articles"))
    assert titles["incoming/koi8r.txt"].startswith("МИД: Встречи с дипломатами")
    # cp1251 has no byte 0x98, so the И of МИД is lost for good; the rest comes back.
    assert "Встречи с дипломатами" in titles["incoming/mojibake.txt"]
    assert titles["incoming/жаңа мақала 2026.txt"].startswith("Доха форумы")
    failed = {
        (suite, name)
        for suite, name in table(db, "SELECT suite, expectation FROM dq_results WHERE NOT success")
    }
    assert ("articles", "content_decodable") in failed
    assert ("articles", "not_duplicate") in failed

    # The daily report of this warehouse, into the run's reports folder (run_flow's).
    reports = tmp_path / "reports"
    with reports_lock(reports, timeout=5), pytest.raises(ReportsLocked):
        dq_report(db=str(db), reports_dir=str(reports), lock_timeout=0)  # it waits its turn
    quality = dq_report(db=str(db), reports_dir=str(reports))
    page = reports / PAGE_NAME
    assert quality.report_page == str(page.resolve())
    html = page.read_text(encoding="utf-8")
    for chart in ("articles-per-day", "pass-rate", "quarantine-by-reason"):
        assert f'data-chart="{chart}-spec"' in html  # every chart has rows to draw
    assert (reports / "data_docs" / "index.html").is_file()
    assert page.as_uri() in newest_artifact(REPORT_ARTIFACT_KEY).data  # the link to the page


def newest_artifact(key: str):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
            offset=0,
        )
    return artifact


def test_quality_gate_fails_the_run_and_loads_nothing(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    for name in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=f"incoming/broken_{name}.txt", Body=b"")
    with pytest.raises(RunFailed) as failure:
        run_flow(bucket, db)
    assert "3 of 8 objects (38%)" in failure.value.summary.message
    assert table(db, "SELECT count(*) FROM articles") == [(0,)]
    assert table(db, "SELECT count(*) FROM quarantine") == [(0,)]
    assert table(db, "SELECT count(*) FROM source_objects") == [(0,)]
    assert table(db, "SELECT status, loaded FROM ingest_runs") == [("failed_quality", 0)]
    assert table(db, "SELECT count(*) FROM dq_results WHERE NOT success")[0][0] >= 1


def test_fixed_object_leaves_the_quarantine(run_flow, s3, bucket: str, warehouse_dir: Path) -> None:
    db = warehouse_dir / "news.sqlite"
    key = "incoming/late.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"   \n")
    run_flow(bucket, db)
    assert table(db, "SELECT key FROM quarantine") == [(key,)]
    s3.put_object(Bucket=bucket, Key=key, Body=(SAMPLE / "003_5c9351a6b67bfa3b.txt").read_bytes())
    summary = run_flow(bucket, db)
    assert (summary.changed, summary.loaded, summary.quarantined) == (1, 1, 0)
    assert table(db, "SELECT count(*) FROM quarantine") == [(0,)]
    assert table(db, f"SELECT status FROM source_objects WHERE key = '{key}'") == [("loaded",)]


def test_retry_moves_rows_that_pass_after_a_suite_change(
    run_flow, s3, bucket: str, warehouse_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.quarantine import retry_quarantine

    db = warehouse_dir / "news.sqlite"
    text = (SAMPLE / "000_87f847a6d181454e.txt").read_text(encoding="utf-8").splitlines()
    short = "\n".join([text[0], text[1], "Қысқа хабар: кездесу өтті."]) + "\n"
    s3.put_object(Bucket=bucket, Key="incoming/short.txt", Body=short.encode())
    s3.put_object(Bucket=bucket, Key="incoming/empty.txt", Body=b"")
    run_flow(bucket, db, critical_threshold=0.5)
    held = dict(table(db, "SELECT key, reasons FROM quarantine"))
    assert held["incoming/short.txt"] == ["body_min_length"]
    first_held_at = table(db, "SELECT quarantined_at FROM quarantine WHERE key LIKE '%empty%'")

    suites = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", suites)
    suite = json.loads((suites / "articles.json").read_text(encoding="utf-8"))
    for expectation in suite["expectations"]:
        if expectation["meta"]["name"] == "body_min_length":
            expectation["kwargs"]["min_value"] = 10
    (suites / "articles.json").write_text(json.dumps(suite, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("NEWSETL_EXPECTATIONS_DIR", str(suites))

    summary = retry_quarantine(db=str(db), reports_dir=str(tmp_path / "reports"))
    assert (summary.refreshed, summary.loaded, summary.quarantined) == (2, 1, 1)
    assert table(db, "SELECT key FROM quarantine") == [("incoming/empty.txt",)]
    assert table(db, "SELECT quarantined_at FROM quarantine") == first_held_at
    moved = table(
        db, "SELECT title, paragraph_count FROM articles WHERE key = 'incoming/short.txt'"
    )
    assert moved == [(text[0].split(" ", 3)[3], 1)]
    assert table(db, "SELECT status FROM source_objects WHERE key = 'incoming/short.txt'") == [
        ("loaded",)
    ]
    # The bucket's next run sees nothing new: the retry left the state consistent.
    again = run_flow(bucket, db)
    assert (again.unchanged, again.loaded, again.quarantined) == (7, 0, 0)
