"""The enrichment flow on a real lake after a real ingest (moto bucket, Prefect test server):
every current article in one story, mentions only of current articles; after the source loses
an object, the next ingest and enrichment forget it; a second enrichment with nothing new
commits nothing."""

from __future__ import annotations

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

    first = enrich_news(db=str(db), endpoint_url=moto.url)
    current = table(db, "SELECT count(*) FROM articles_current")[0][0]
    assert first["articles"] == current > 0
    assert table(db, "SELECT count(DISTINCT key), count(*) FROM story_articles")[0] == (
        current,
        current,
    )
    assert table(db, "SELECT count(*) FROM entity_mentions")[0][0] > 0
    assert enrich_news(db=str(db), endpoint_url=moto.url)["snapshot_id"] is None

    gone = table(db, "SELECT key FROM articles_current ORDER BY key LIMIT 1")[0][0]
    s3.delete_object(Bucket=bucket, Key=gone)
    run_flow(bucket, db, allow_deletes=True)
    second = enrich_news(db=str(db), endpoint_url=moto.url)
    assert (second["articles"], second["forgotten"]) == (0, 1)
    assert table(db, "SELECT count(*) FROM entity_mentions WHERE key = ?", [gone])[0][0] == 0
    assert table(db, "SELECT count(*) FROM story_articles WHERE key = ?", [gone])[0][0] == 0
    assert table(db, "SELECT count(*) FROM story_articles")[0][0] == current - 1
