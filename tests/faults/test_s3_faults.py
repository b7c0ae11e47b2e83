"""Faults of the S3 endpoint, injected by the proxy: what is transient is retried and everything
loads; what is permanent (403 on one key) is reported, the rest commits, and the next run reads
it again."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid

import pytest

from tests.faults.conftest import delete, put
from tests.faults.invariants import placed, rows

pytestmark = pytest.mark.slow  # each test runs the CLI several times

EXIT_UNREAD = 3


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def stored(db) -> dict[str, str]:
    return dict(rows(db, "SELECT key, content_sha256 FROM articles WHERE deleted_at IS NULL"))


def test_transient_faults_are_retried_and_everything_loads_without_leaking_secrets(
    newsetl, lake, make_bucket, proxy, prefect_api
) -> None:
    """503 SlowDown, resets and truncations mid-body, 500 on every list request's first
    attempt, slow answers: all retried, every object loaded whole. The same run carries a
    recognisable secret key, which must not reach the warehouse, the reports, Prefect's
    database or the output."""
    bucket = make_bucket(12)
    keys = sorted(bucket.txt_keys())
    throttled, reset, truncated, slow = keys[0:2], keys[2:4], keys[4:6], keys[6:8]
    for key in throttled:
        proxy.throttle(key, times=2)
    for key in reset:
        proxy.reset(key)
    for key in truncated:
        proxy.truncate(key)
    for key in slow:
        proxy.slow(1.0, key, times=1)
    proxy.throttle_every(7)
    proxy.fail_list(times=1, status=500)
    secret = f"FAKEsecret{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"

    result = newsetl(*lake.args(bucket.source, proxy.url), env={"AWS_SECRET_ACCESS_KEY": secret})

    assert result.code == 0, str(result)
    assert "Nothing new" not in result.out
    placement = placed(lake.db, keys)
    assert placement.articles == set(keys)
    assert stored(lake.db) == {key: sha(bucket.objects[key]) for key in keys}  # none truncated
    for key in throttled:
        assert proxy.gets(key) >= 3, key
    for key in reset + truncated:
        assert proxy.gets(key) >= 2, key
    assert proxy.faults[("error", "<list>")] >= 2  # the CLI's check and the flow's listing
    assert not proxy.pending()  # every planned fault happened

    # The secret went nowhere.
    leaks = [
        str(path)
        for folder in (lake.dir, lake.reports)
        for path in folder.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    ]
    assert not leaks, f"the secret key is in {leaks}"
    assert secret not in result.out + result.err
    database = prefect_database()
    assert database, "the shared Prefect server's database was not found"
    for path in database:
        assert secret.encode() not in path.read_bytes(), f"the secret key is in {path}"


def prefect_database():
    """The shared test server's SQLite files (database and WAL)."""
    from pathlib import Path

    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    path = Path(url.split("///", 1)[1])
    return [p for p in path.parent.glob(path.name + "*") if p.is_file()]


def unread_line(out: str, key: str) -> str:
    """The summary's line that names an unread key (the table may repeat it; one is enough)."""
    lines = [line for line in out.splitlines() if key in line]
    assert lines, f"{key} is not in the run summary:\n{out}"
    return lines[0]


def test_unreadable_objects_are_reported_kept_and_read_again(
    newsetl, lake, make_bucket, proxy, s3
) -> None:
    """403 AccessDenied on a changed key and on a new one (named in Rich markup), and a new key
    deleted between the listing and its GET: the run commits the rest and exits 3, the summary
    names each with a reason, the changed key keeps its article, nothing is marked deleted; the
    next run reads the denied keys again and finds the deleted one absent."""
    bucket = make_bucket(5)
    first = newsetl(*lake.args(bucket.source, proxy.url))
    assert first.code == 0, str(first)

    changed, new = "incoming/002.txt", "incoming/[bold]жаңа[/x] `tick` | pipe.txt"
    gone = "incoming/gone.txt"
    put(s3, bucket, changed, bucket.objects[changed] + "\nЖ\n".encode())
    put(s3, bucket, new, bucket.objects["incoming/000.txt"] + b"\nnew\n")
    put(s3, bucket, gone, bucket.objects["incoming/001.txt"] + b"\ngone\n")
    put(s3, bucket, "incoming/fine.txt", bucket.objects["incoming/003.txt"] + b"\nfine\n")
    before = stored(lake.db)
    proxy.deny(changed)
    proxy.deny(new)
    gate = proxy.block(gone)

    result: dict = {}
    run = threading.Thread(
        target=lambda: result.update(run=newsetl(*lake.args(bucket.source, proxy.url)))
    )
    run.start()
    try:
        gate.wait_arrived(timeout=300, unless=lambda: not run.is_alive())
        assert "run" not in result, f"the run ended before its GET of {gone}:\n{result['run']}"
        delete(s3, bucket, gone)
    finally:
        gate.release()
        run.join(timeout=600)
    unread = result["run"]

    assert unread.code == EXIT_UNREAD, str(unread)
    assert "Traceback" not in unread.err
    for key in (changed, new):  # printed as it is: Rich markup in a key is not interpreted
        line = unread_line(unread.out, key)
        assert re.search(r"access ?denied|403|forbidden", line, re.IGNORECASE), line
    line = unread_line(unread.out, gone)
    assert re.search(r"not ?found|no ?such ?key|404|disappeared|deleted", line, re.I), line
    placement = placed(lake.db, bucket.txt_keys(), unread={changed, new})
    assert "incoming/fine.txt" in placement.articles  # the rest committed
    assert not {new, gone} & (placement.articles | placement.quarantine)
    assert {k: v for k, v in stored(lake.db).items() if k in before} == before  # kept as it was
    assert not rows(lake.db, "SELECT key FROM source_objects WHERE status = 'deleted'")
    assert not rows(lake.db, "SELECT key FROM articles WHERE deleted_at IS NOT NULL")
    assert not rows(lake.db, "SELECT key FROM source_objects WHERE key = ?", [gone])

    proxy.allow(changed)
    proxy.allow(new)
    gets = proxy.gets(changed), proxy.gets(new)
    healed = newsetl(*lake.args(bucket.source, proxy.url))
    assert healed.code == 0, str(healed)
    assert proxy.gets(changed) > gets[0] and proxy.gets(new) > gets[1]  # read again
    assert placed(lake.db, bucket.txt_keys()).articles == bucket.txt_keys()
    assert stored(lake.db) == {key: sha(body) for key, body in bucket.objects.items()}
