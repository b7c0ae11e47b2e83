"""What a typo in a source would do to a warehouse is refused, and a dry run changes nothing:
the ingest flow against a real moto server and a real lake."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsetl.source.plan import PlanRefused
from tests.conftest import SAMPLE, snapshot, table


def test_a_new_source_is_refused_and_a_dry_run_changes_nothing(
    run_flow, s3, bucket: str, warehouse_dir: Path
) -> None:
    db = warehouse_dir / "news.sqlite"
    plan = run_flow(bucket, db, dry_run=True)  # on a warehouse that does not exist yet
    assert (plan.status, plan.new, plan.snapshot_id) == ("dry_run", 5, None)
    assert len(plan.plan_examples["new"]) == 5 and not Path(db).exists()

    run_flow(bucket, db)  # an empty warehouse takes its first source
    before = snapshot(db)
    s3.put_object(Bucket=bucket, Key="other/005.txt", Body=next(SAMPLE.glob("*.txt")).read_bytes())
    from flows.ingest import ingest_news

    other = f"s3://{bucket}/other/"
    with pytest.raises(PlanRefused, match="never been fed from"):
        ingest_news(source=other, db=str(db), endpoint_url=run_flow.endpoint_url)
    assert snapshot(db) == before  # refused before anything was fetched or recorded

    for key in [f"incoming/{p.name}" for p in sorted(SAMPLE.glob("*.txt"))][:3]:
        s3.delete_object(Bucket=bucket, Key=key)
    plan = run_flow(bucket, db, dry_run=True)
    assert (plan.deleted, plan.unchanged) == (3, 2)
    assert "would be refused" in plan.message and "3 of 5 live objects" in plan.message
    with pytest.raises(PlanRefused, match="--allow-deletes"):
        run_flow(bucket, db)
    assert snapshot(db) == before
    done = run_flow(bucket, db, allow_deletes=True)
    assert done.deleted == 3
    assert table(db, "SELECT count(*) FROM articles WHERE deleted_at IS NOT NULL") == [(3,)]
    assert table(db, "SELECT source, runs FROM sources") == [(f"s3://{bucket}/incoming/", 2)]
