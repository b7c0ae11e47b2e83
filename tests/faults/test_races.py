"""Objects that change between the listing and the GET, made deterministic by the proxy's gate:
the GET waits while the test changes the bucket."""

from __future__ import annotations

import hashlib
import threading

import pytest

from tests.faults.conftest import put
from tests.faults.invariants import placed, rows

pytestmark = pytest.mark.slow  # each test runs the CLI several times

EXIT_UNREAD = 3


def test_object_overwritten_between_list_and_get(newsetl, lake, make_bucket, proxy, s3) -> None:
    """`moved` is overwritten after it was listed: what is stored must be what was read, under
    the ETag and size of what was read (or the GET refused with If-Match and the key reported),
    so that once the object is put back as it was listed, the next run reads it again rather
    than say "Nothing new" over a different stored text. (An object deleted between list and
    get: test_s3_faults.test_unreadable_objects_are_reported_kept_and_read_again.)"""
    bucket = make_bucket(5)
    moved = "incoming/002.txt"
    listed_body = bucket.objects[moved]
    overwritten = listed_body.replace("Қазақстан".encode(), "Қазақ елі".encode()) + b"\nv2\n"
    gate = proxy.block(moved)

    result: dict = {}
    run = threading.Thread(
        target=lambda: result.update(first=newsetl(*lake.args(bucket.source, proxy.url)))
    )
    run.start()
    try:
        gate.wait_arrived(timeout=300, unless=lambda: not run.is_alive())
        assert "first" not in result, f"the run ended before its GET:\n{result['first']}"
        put(s3, bucket, moved, overwritten)
    finally:
        gate.release()
        run.join(timeout=600)
    first = result["first"]

    assert first.code in (0, EXIT_UNREAD), str(first)
    placement = placed(lake.db, bucket.txt_keys(), unread={moved})
    article = rows(lake.db, "SELECT content_sha256 FROM articles WHERE key = ?", [moved])
    state = rows(lake.db, "SELECT etag, size FROM source_objects WHERE key = ?", [moved])
    if moved in placement.articles:  # loaded: as read, under the ETag and size of what was read
        assert article == [(hashlib.sha256(overwritten).hexdigest(),)]
        assert state == [(hashlib.md5(overwritten).hexdigest(), len(overwritten))]
    else:  # or refused (a GET with If-Match) and reported
        assert first.code == EXIT_UNREAD and moved in first.out, str(first)

    put(s3, bucket, moved, listed_body)  # back to what the listing had said
    second = newsetl(*lake.args(bucket.source, proxy.url))
    assert second.code == 0, str(second)
    assert "Nothing new" not in second.out
    assert rows(lake.db, "SELECT content_sha256 FROM articles WHERE key = ?", [moved]) == [
        (hashlib.sha256(listed_body).hexdigest(),)
    ]
    assert placed(lake.db, bucket.txt_keys()).articles == bucket.txt_keys()
