"""Listing a bucket by folders in parallel gives exactly what one flat ListObjectsV2 pass gives,
against a real moto server: nested folders, objects beside folders, folder markers, a folder
past one page of 1,000 keys, Cyrillic keys, and a prefix without its slash."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from newsetl.source.objects import ObjectUnreadable
from newsetl.source.s3 import LIST_THREADS, S3Source

KEYS = [
    "feed/top.txt",  # beside the folders
    "feed/2025/12/31/a.txt",  # three levels: deeper than the split
    "feed/2026/01/b.txt",
    "feed/2026/01/c.txt",
    "feed/2026/02/мақала.txt",
    "feed/2026/02/статья.txt",
    "feed/2026/marker-sibling.txt",
    "feed2/other.txt",  # matched by the prefix "feed" without its slash
    "elsewhere/x.txt",
]
MARKERS = ["feed/2026/", "feed/2026/03/"]  # zero-byte folder markers, not objects
BIG = [f"feed/big/{i:05d}.txt" for i in range(1_100)]  # more than one page


def flat_listing(s3, bucket: str, prefix: str) -> list[tuple]:
    """The reference: one paginated ListObjectsV2 pass, folder markers left out."""
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not item["Key"].endswith("/"):
                etag = item["ETag"].strip('"')
                rows.append((item["Key"], etag, item["Size"], item["LastModified"]))
    return rows


@pytest.fixture(scope="module")
def nested(moto) -> str:
    """One bucket for every prefix: the listing only reads it."""
    s3 = moto.client()
    name = f"list-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)

    def put(key: str) -> None:
        body = b"" if key.endswith("/") else key.encode()
        s3.put_object(Bucket=name, Key=key, Body=body)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, KEYS + MARKERS + BIG))
    return name


@pytest.mark.parametrize("prefix", ["feed/", "feed", "", "feed/2026/", "nothing-here/"])
def test_parallel_listing_equals_a_flat_listing(moto, s3, nested: str, prefix: str) -> None:
    source = S3Source(f"s3://{nested}/{prefix}", endpoint_url=moto.url)
    refs = list(source.list())
    expected = flat_listing(s3, nested, prefix)
    assert [(r.key, r.etag, r.size, r.last_modified) for r in refs] == expected
    assert not any(r.key.endswith("/") for r in refs)
    if prefix == "feed/":
        assert len(refs) == len(KEYS) - 2 + len(BIG)
        assert "feed/2026/02/мақала.txt" in {r.key for r in refs}


def test_the_split_finds_enough_folders_to_keep_the_threads_busy(moto, s3) -> None:
    name = f"wide-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    keys = [f"in/{y}/{m:02d}/{i}.txt" for y in (2025, 2026) for m in range(1, 13) for i in (1, 2)]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=b"x")
    source = S3Source(f"s3://{name}/in/", endpoint_url=moto.url)
    folders, direct = source._folders("in/", depth=2)
    assert len(folders) == 24 >= LIST_THREADS * 2
    assert direct == []
    assert sorted(r.key for r in source.list()) == sorted(keys)


KAZ = "Астана — Қазақстан Республикасының астанасы.\n\nМақала мәтіні осында.\n".encode()


def test_s3_get_checks_the_listed_etag(s3, moto) -> None:
    bucket = f"etag-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=KAZ)
    source = S3Source(f"s3://{bucket}/in/", endpoint_url=moto.url)
    (ref,) = list(source.list())
    assert source.fetch(ref.key, ref.etag) == KAZ
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body=KAZ + b"\n")
    with pytest.raises(ObjectUnreadable, match="changed since it was listed"):
        source.fetch(ref.key, ref.etag)
    s3.delete_object(Bucket=bucket, Key="in/a.txt")
    with pytest.raises(ObjectUnreadable, match="deleted since it was listed"):
        source.fetch(ref.key, ref.etag)
