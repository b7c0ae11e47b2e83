"""The enrichment flow on a real lake after a real ingest (moto bucket, Prefect test server):
every current article in one story, mentions only of current articles; after the source loses
an object, the next ingest and enrichment forget it; a second enrichment with nothing new
commits nothing. And `newsetl run --enrich`, the console script, with an enrichment that fails
after its ingest committed."""

from __future__ import annotations

import json
from pathlib import Path

from flows.enrich import enrich_news
from tests.conftest import SAMPLE, table


def test_enrich_flow_after_ingest_and_a_deletion(run_flow, moto, tmp_path: Path) -> None:
    from newsetl.runtime.devs3 import upload_dir

    s3 = moto.client()
    bucket = "enrich-e2e"
    s3.create_bucket(Bucket=bucket)
    upload_dir(s3, SAMPLE, bucket, "incoming/")
    db = tmp_path / "news.sqlite"
    run_flow(bucket, db)

    reports = str(tmp_path / "reports")
    first = enrich_news(db=str(db), endpoint_url=moto.url, reports_dir=reports)
    current = table(db, "SELECT count(*) FROM articles_current")[0][0]
    assert first["articles"] == current > 0
    assert table(db, "SELECT count(DISTINCT key), count(*) FROM story_articles")[0] == (
        current,
        current,
    )
    assert table(db, "SELECT count(*) FROM entity_mentions")[0][0] > 0
    assert first["warnings"] == [] and first["followup_errors"] == []
    assert Path(first["data_docs"]).is_file()  # with the enrichment suite's result
    assert (tmp_path / "reports" / "data_docs" / "validations" / "enrichment").is_dir()
    nothing = enrich_news(db=str(db), endpoint_url=moto.url, reports_dir=reports)
    assert nothing["snapshot_id"] is None

    gone = table(db, "SELECT key FROM articles_current ORDER BY key LIMIT 1")[0][0]
    s3.delete_object(Bucket=bucket, Key=gone)
    run_flow(bucket, db, allow_deletes=True)
    second = enrich_news(db=str(db), endpoint_url=moto.url, reports_dir=reports)
    assert (second["articles"], second["forgotten"]) == (0, 1)
    assert table(db, "SELECT count(*) FROM entity_mentions WHERE key = ?", [gone])[0][0] == 0
    assert table(db, "SELECT count(*) FROM story_articles WHERE key = ?", [gone])[0][0] == 0
    assert table(db, "SELECT count(*) FROM story_articles")[0][0] == current - 1


STORIES = SAMPLE.parent.parent / "tests" / "data" / "stories" / "articles"


def test_run_enrich_enriches_in_the_same_command_and_a_failed_enrichment_is_redone(
    cli, moto, s3, tmp_path: Path
) -> None:
    """`newsetl run --enrich`: the ingest, then the enrichment of what it added, in one command.
    When the enrichment fails after the ingest committed (a lost data file of `entities`), the
    command exits 4 with one line saying the run committed and its enrichment failed; the
    articles stay loaded, and the next `run --enrich`, with nothing new to ingest, enriches
    them."""
    import shutil

    from newsetl.runtime.devs3 import upload_dir

    bucket = "run-enrich-e2e"
    s3.create_bucket(Bucket=bucket)
    upload_dir(s3, SAMPLE, bucket, "incoming/")
    db = tmp_path / "news.sqlite"
    args = ["run", "--enrich", "--source", f"s3://{bucket}/incoming/", "--db", str(db)]
    args += ["--endpoint-url", moto.url, "--reports-dir", str(tmp_path / "reports")]

    first = cli(*args, "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    current = table(db, "SELECT count(*) FROM articles_current")[0][0]
    assert summary["loaded"] == current > 0
    assert summary["enrichment"]["articles"] == current
    assert summary["enrichment"]["snapshot_id"] == summary["snapshot_id"] + 1
    assert table(db, "SELECT count(*), count(DISTINCT key) FROM story_articles")[0] == (
        current,
        current,
    )
    assert table(db, "SELECT count(*) FROM entity_mentions")[0][0] > 0
    # The enrichment suite ran on what the enrichment wrote and is in the Data Docs.
    assert (tmp_path / "reports" / "data_docs" / "validations" / "enrichment").is_dir()

    for name in ("052.txt", "085.txt"):  # one event, told twice in Russian
        s3.put_object(
            Bucket=bucket, Key=f"incoming/stories/{name}", Body=(STORIES / name).read_bytes()
        )
    [entities_file] = (tmp_path / "news.files" / "main" / "entities").glob("*.parquet")
    kept = tmp_path / "entities.parquet"
    shutil.copy(entities_file, kept)
    entities_file.write_bytes(b"not parquet")
    failed = cli(*args)
    assert failed.returncode == 4, failed.stderr
    line = failed.stderr.strip().splitlines()[-1]
    run_id = table(db, "SELECT run_id FROM ingest_runs ORDER BY started_at DESC LIMIT 1")[0][0]
    assert line.startswith(f"newsetl: run {run_id} committed, but enrichment failed: "), line
    assert "the next enrichment" in line and "nothing was committed" not in line
    assert table(db, "SELECT count(*) FROM articles_current")[0][0] == current + 2
    assert table(db, "SELECT count(*) FROM enrich_runs")[0][0] == 1

    shutil.copy(kept, entities_file)  # the file is back: the next enrichment redoes the work
    healed = cli(*args, "--json")
    assert healed.returncode == 0, healed.stderr
    again = json.loads(healed.stdout)
    assert again["loaded"] == 0 and again["enrichment"]["articles"] == 2
    assert table(db, "SELECT count(*), count(DISTINCT key) FROM story_articles")[0] == (
        current + 2,
        current + 2,
    )
    pair = table(
        db,
        "SELECT count(DISTINCT story_id) FROM story_articles WHERE key IN (?, ?)",
        ["incoming/stories/052.txt", "incoming/stories/085.txt"],
    )
    assert pair == [(1,)]

    # Nothing new and nothing left to enrich: decided before any flow, no run recorded.
    counts = "SELECT (SELECT count(*) FROM ingest_runs), (SELECT count(*) FROM enrich_runs)"
    runs = table(db, counts)
    idle = cli(*args, "--json")
    assert idle.returncode == 0, idle.stderr
    assert json.loads(idle.stdout)["status"] == "unchanged"
    assert table(db, counts) == runs
