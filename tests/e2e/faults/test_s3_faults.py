"""Faults of the S3 endpoint, injected by the proxy, through three runs on one lake:

1. What is transient (503 SlowDown, resets and truncations mid-body, a 500 on every list
   request's first attempt, slow answers) is retried and every object loads whole; an object
   over --max-object-bytes is held as `too_large` without its bytes being fetched. The runs
   carry a recognisable secret key, which must reach neither the warehouse, the reports,
   Prefect's database nor the output.
2. What is permanent or racing is reported, the rest commits, the run exits 3: 403 AccessDenied
   on a changed key and on a new one (named in Rich markup), a new key deleted between the
   listing and its GET, and a key overwritten between the listing and its GET (made
   deterministic by the proxy's gates: the GET waits while the test changes the bucket).
3. The next run reads the denied keys again, finds the deleted one absent, and reads the
   overwritten key again once it is back as listed, rather than say "Nothing new" over a stored
   text that differs from the source.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid

import pytest

from tests.e2e.faults.conftest import delete, put
from tests.e2e.faults.invariants import placed, prefect_database, rows
from tests.e2e.faults.test_limits import big_article

pytestmark = pytest.mark.slow  # three runs, the second through the CLI

EXIT_UNREAD = 3
MAX_BYTES = "200000"


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def stored(db) -> dict[str, str]:
    return dict(rows(db, "SELECT key, content_sha256 FROM articles WHERE deleted_at IS NULL"))


def unread_line(out: str, key: str) -> str:
    """The summary's line that names an unread key (the table may repeat it; one is enough)."""
    lines = [line for line in out.splitlines() if key in line]
    assert lines, f"{key} is not in the run summary:\n{out}"
    return lines[0]


def run_in_background(newsetl, args: list[str], env: dict) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(run=newsetl(*args, env=env)))
    thread.start()
    return thread, result


def test_endpoint_faults_are_retried_or_reported_and_the_next_run_heals(
    newsetl, run_flow, lake, make_bucket, proxy, s3, monkeypatch
) -> None:
    big = "incoming/big.txt"
    bucket = make_bucket(12, extra={big: big_article(300_000)})
    secret = f"FAKEsecret{uuid.uuid4().hex}{uuid.uuid4().hex[:8]}"
    env = {"AWS_SECRET_ACCESS_KEY": secret}
    args = [*lake.args(bucket.source, proxy.url), "--max-object-bytes", MAX_BYTES]
    outputs: list[str] = []
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)  # for the runs in this process

    def run_here():
        """The flow in this process: cheaper than the CLI, which run 2 goes through."""
        return run_flow(
            bucket.name,
            lake.db,
            endpoint_url=proxy.url,
            max_object_bytes=int(MAX_BYTES),
            reports_dir=str(lake.reports),
        )

    # 1. Transient faults: all retried, every object loaded whole; the big one held unread.
    keys = sorted(bucket.txt_keys() - {big})
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

    first = run_here()
    assert (first.status, first.loaded, first.unread) == ("completed", len(keys), 0), first
    placement = placed(lake.db, bucket.txt_keys())
    assert placement.articles == set(keys)
    assert placement.quarantine == {big}
    assert stored(lake.db) == {key: sha(bucket.objects[key]) for key in keys}  # none truncated
    for key in throttled:
        assert proxy.gets(key) >= 3, key
    for key in reset + truncated:
        assert proxy.gets(key) >= 2, key
    assert proxy.faults[("error", "<list>")] >= 1
    assert not proxy.pending()  # every planned fault happened
    assert proxy.gets(big) == 0  # held by its listed size, never fetched
    [(reasons, raw)] = rows(lake.db, "SELECT reasons, raw FROM quarantine WHERE key = ?", [big])
    assert any("too_large" in reason for reason in reasons), reasons
    assert raw is None or len(raw) < int(MAX_BYTES)  # a pointer, not the bytes
    proxy.clear()

    # 2. Permanent faults and races: reported, the rest commits, exit 3.
    changed, new = "incoming/002.txt", "incoming/[bold]жаңа[/x] `tick` | pipe.txt"
    gone, moved = "incoming/gone.txt", "incoming/005.txt"
    put(s3, bucket, changed, bucket.objects[changed] + "\nЖ\n".encode())
    put(s3, bucket, new, bucket.objects["incoming/000.txt"] + b"\nnew\n")
    put(s3, bucket, gone, bucket.objects["incoming/001.txt"] + b"\ngone\n")
    put(s3, bucket, "incoming/fine.txt", bucket.objects["incoming/003.txt"] + b"\nfine\n")
    listed_body = bucket.objects[moved] + b"\nv1\n"
    put(s3, bucket, moved, listed_body)
    overwritten = listed_body.replace("Қазақстан".encode(), "Қазақ елі".encode()) + b"\nv2\n"
    before = {k: v for k, v in stored(lake.db).items() if k not in (moved,)}
    proxy.deny(changed)
    proxy.deny(new)
    gates = {gone: proxy.block(gone), moved: proxy.block(moved)}

    thread, result = run_in_background(newsetl, args, env)
    try:
        for key, gate in gates.items():  # one after the other: whatever the fetching threads
            gate.wait_arrived(timeout=300, unless=lambda: not thread.is_alive())
            assert "run" not in result, f"the run ended before its GET of {key}:\n{result['run']}"
            if key == gone:
                delete(s3, bucket, gone)
            else:
                s3.put_object(Bucket=bucket.name, Key=moved, Body=overwritten)
            gate.release()
    finally:
        for gate in gates.values():
            gate.release()
        thread.join(timeout=600)
    second = result["run"]
    outputs += [second.out, second.err]

    assert second.code == EXIT_UNREAD, str(second)
    assert "Traceback" not in second.err
    for key in (changed, new):  # printed as it is: Rich markup in a key is not interpreted
        line = unread_line(second.out, key)
        assert re.search(r"access ?denied|403|forbidden", line, re.IGNORECASE), line
    line = unread_line(second.out, gone)
    assert re.search(r"not ?found|no ?such ?key|404|disappeared|deleted", line, re.I), line
    placement = placed(lake.db, bucket.txt_keys(), unread={changed, new, moved})
    assert "incoming/fine.txt" in placement.articles  # the rest committed
    assert not {new, gone} & (placement.articles | placement.quarantine)
    assert {k: v for k, v in stored(lake.db).items() if k in before} == before  # kept as it was
    assert not rows(lake.db, "SELECT key FROM source_objects WHERE status = 'deleted'")
    assert not rows(lake.db, "SELECT key FROM articles WHERE deleted_at IS NOT NULL")
    assert not rows(lake.db, "SELECT key FROM source_objects WHERE key = ?", [gone])
    state = rows(lake.db, "SELECT etag, size FROM source_objects WHERE key = ?", [moved])
    if stored(lake.db).get(moved) == sha(overwritten):  # loaded as read, under what was read
        assert state == [(hashlib.md5(overwritten).hexdigest(), len(overwritten))]
    else:  # or refused (a GET with If-Match) and reported
        assert moved in second.out, second.out

    # 3. The denied keys readable again, the overwritten one back as listed: all healed.
    proxy.allow(changed)
    proxy.allow(new)
    put(s3, bucket, moved, listed_body)
    gets = proxy.gets(changed), proxy.gets(new)
    healed = run_here()
    assert healed.status == "completed" and healed.unread == 0, healed
    assert healed.loaded >= 3  # the two denied keys and the one put back
    assert proxy.gets(changed) > gets[0] and proxy.gets(new) > gets[1]  # read again
    placement = placed(lake.db, bucket.txt_keys())
    assert placement.articles == bucket.txt_keys() - {big} and placement.quarantine == {big}
    assert stored(lake.db) == {k: sha(body) for k, body in bucket.objects.items() if k != big}

    # The secret went nowhere.
    leaks = [
        str(path)
        for folder in (lake.dir, lake.reports)
        for path in folder.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    ]
    assert not leaks, f"the secret key is in {leaks}"
    assert not any(secret in text for text in outputs)
    database = prefect_database()
    assert database, "the shared Prefect server's database was not found"
    for path in database:
        assert secret.encode() not in path.read_bytes(), f"the secret key is in {path}"
