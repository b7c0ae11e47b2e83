"""Layout drift as a data-quality signal: per source prefix, the share of dated articles (and of
titles under 400 characters) against the prefix's last 7 days; a drop of more than 20 points is a
warning that names the prefix."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path

import polars as pl

from newsetl.quality.drift import BASELINE_SCHEMA, drift_frame
from tests.conftest import SAMPLE, table

DATED = ["000_87f847a6d181454e.txt", "002_6b6f623981be19cf.txt", "004_7354ca18adfe16e0.txt"]


def checks(rows: list[tuple[str, date | None, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"key": pl.String, "published_date": pl.Date, "title_length": pl.Int64},
        orient="row",
    )  # fmt: skip


def test_drift_frame_compares_each_prefix_with_its_own_history() -> None:
    day = date(2026, 3, 1)
    batch = checks([
        ("lenta/a.txt", None, 80), ("lenta/b.txt", None, 90), ("lenta/c.txt", day, 500),
        ("kaz/x.txt", day, 70), ("top.txt", day, 60),
    ])  # fmt: skip
    baseline = pl.DataFrame(
        [("lenta", 10, 10, 10, None, None), ("kaz", 4, 3, 4, None, None)],
        schema=BASELINE_SCHEMA,
        orient="row",
    )
    frame = drift_frame(batch, baseline)
    rows = {row["key"]: row for row in frame.iter_rows(named=True)}
    assert sorted(rows) == ["", "kaz", "lenta"]
    assert rows["lenta"]["dated_share_drop"] == (1 - 1 / 3) * 100
    assert rows["lenta"]["short_title_share_drop"] == (1 - 2 / 3) * 100
    assert rows["kaz"]["dated_share_drop"] == -25.0  # better than before: a negative drop
    assert rows[""]["dated_share_drop"] is None  # no history: nothing to compare
    assert drift_frame(checks([]), baseline).is_empty()


def test_a_template_change_is_a_warning_that_names_the_prefix(
    prefect_api, moto, s3, tmp_path: Path
) -> None:
    from flows.ingest import ingest_news

    bucket = f"news-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    for name in DATED:  # both outlets publish dated articles
        body = (SAMPLE / name).read_bytes()
        s3.put_object(Bucket=bucket, Key=f"lenta/{name}", Body=body)
        s3.put_object(Bucket=bucket, Key=f"kazinform/{name}", Body=body)
    db = tmp_path / "news.sqlite"
    params = {"endpoint_url": moto.url, "reports_dir": str(tmp_path / "reports")}
    first = ingest_news(source=f"s3://{bucket}/", db=str(db), **params)
    assert not [e for e in first.failed_expectations if e["suite"] == "drift"]

    # lenta's new template drops the date from the header line; kazinform's stays as it was.
    for n, name in enumerate(DATED):
        text = (SAMPLE / name).read_text(encoding="utf-8")
        undated = re.sub(r"^ date \d{4}-\d{2}-\d{2} ", "", text, count=1)
        assert undated != text
        s3.put_object(Bucket=bucket, Key=f"lenta/new-{n}.txt", Body=undated.encode())
        s3.put_object(Bucket=bucket, Key=f"kazinform/new-{n}.txt", Body=text.encode() + b"\n.")
    second = ingest_news(source=f"s3://{bucket}/", db=str(db), **params)
    assert second.ok and second.loaded == 6  # a warning: everything still loads
    drifted = [e for e in second.failed_expectations if e["suite"] == "drift"]
    assert [(e["expectation"], e["severity"]) for e in drifted] == [
        ("published_date_share_stable", "warning")
    ]
    [(details,)] = table(
        db,
        "SELECT details FROM dq_results WHERE run_id = ? AND expectation = ?",
        [second.run_id, "published_date_share_stable"],
    )
    named = [row["key"] for row in json.loads(details)["unexpected_sample"]]
    assert named == ["lenta"]
