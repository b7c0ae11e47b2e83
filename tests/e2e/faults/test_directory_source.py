"""A local directory as the source: a symlink out of it is never followed, an unreadable file or
folder is reported (the rest commits, exit 3) and never taken for a deletion."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests.e2e.faults.conftest import article
from tests.e2e.faults.invariants import placed, rows

pytestmark = pytest.mark.slow  # the flow three times, once through the CLI

EXIT_UNREAD = 3
NO_DAC = ["-dac_override,-dac_read_search"]


def unprivileged() -> list[str]:
    """A command prefix under which file permissions apply. As root: root without the
    capabilities that bypass them (setpriv), so the CLI still reaches the project's Python
    under /root, which an unprivileged user cannot."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is not installed")
    return [setpriv, "--bounding-set", *NO_DAC, "--inh-caps", *NO_DAC, "--"]


def keys_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.txt") if p.is_file()}


def test_symlinks_unreadable_files_and_folders(newsetl, lake, prefect_api, tmp_path: Path) -> None:
    prefix = unprivileged()
    source, outside = tmp_path / "source", tmp_path / "outside"
    (source / "locked").mkdir(parents=True)
    outside.mkdir()
    for i in range(4):
        (source / f"{i:03d}.txt").write_bytes(article(i))
    (source / "locked" / "a.txt").write_bytes(article(4))
    (source / "locked" / "b.txt").write_bytes(article(5))
    marker = f"OUTSIDE-{uuid.uuid4().hex}"
    (outside / "private.txt").write_bytes(article(6) + marker.encode())
    (source / "link.txt").symlink_to(outside / "private.txt")
    readable = keys_under(source) - {"link.txt"}

    def run_here():
        """The flow in this process (cheaper than the CLI) where permissions are not tested."""
        from flows.ingest import ingest_news

        return ingest_news(source=str(source), db=str(lake.db), reports_dir=str(lake.reports))

    # 1. The symlink out of the source is not read.
    first = run_here()
    assert first.status == "completed" and first.unread == 0, first
    placed(lake.db, readable)
    assert not rows(lake.db, "SELECT key FROM articles WHERE key = 'link.txt'")
    assert not rows(lake.db, "SELECT key FROM quarantine WHERE key = 'link.txt'")
    bodies = [body for (body,) in rows(lake.db, "SELECT body FROM articles")]
    raws = [bytes(raw) for (raw,) in rows(lake.db, "SELECT raw FROM quarantine")]
    assert not any(marker in body for body in bodies), "the outside file reached articles"
    assert not any(marker.encode() in raw for raw in raws), "the outside file reached quarantine"

    # 2. A new unreadable file and an unreadable folder: reported, the rest commits.
    (source / "new.txt").write_bytes(article(7))
    (source / "new.txt").chmod(0)
    (source / "locked").chmod(0)
    (source / "000.txt").write_bytes(article(8))  # a change that must commit
    try:
        second = newsetl(*lake.args(str(source)), prefix=prefix)
    finally:
        (source / "locked").chmod(0o755)
        (source / "new.txt").chmod(0o644)
    assert second.code == EXIT_UNREAD, str(second)
    assert "new.txt" in second.out, second.out
    assert "locked" in second.out, second.out
    placed(lake.db, readable, unread={"new.txt"})
    assert not rows(lake.db, "SELECT key FROM source_objects WHERE status = 'deleted'")
    live = dict(rows(lake.db, "SELECT key, content_sha256 FROM articles WHERE deleted_at IS NULL"))
    assert {"locked/a.txt", "locked/b.txt"} <= set(live)
    assert live["000.txt"] == hashlib.sha256((source / "000.txt").read_bytes()).hexdigest()
    assert "new.txt" not in live

    # 3. Readable again: the next run loads what it could not read.
    third = run_here()
    assert third.status == "completed" and third.unread == 0, third
    assert placed(lake.db, readable | {"new.txt"}).articles == readable | {"new.txt"}
    assert not rows(lake.db, "SELECT key FROM source_objects WHERE status = 'deleted'")
