"""kill -9 of a run at each checkpoint, of its process alone and of its whole process group.

Each test takes one lake through four runs: killed while fetching (a fresh lake), killed right
after its commit, killed inside the load transaction (after the bucket changed), then a normal
run. After every kill: the tables are as they were (except after the commit), the run's stdout
pipe reaches EOF at once, no process the run started is left (Prefect's temporary server, the GX
process, the fork server, parse workers, the resource tracker), and the next run does not wait
for a lock (every run has --lock-timeout 0). The last run heals everything and leaves no
staging folder.
"""

from __future__ import annotations

import time
from hashlib import sha256
from pathlib import Path

import pytest

from tests.faults.conftest import Checkpoint, delete, kill, put, read_to_eof
from tests.faults.invariants import kill_helpers, placed, rows, table_hashes, wait_for_no_helpers

pytestmark = pytest.mark.slow  # each test runs the CLI several times

CONTRACT = (
    "main.articles",
    "main.paragraphs",
    "main.quarantine",
    "main.source_objects",
    "main.ingest_runs",
    "main.dq_results",
    "newsetl_internal.search_docs",
    "newsetl_internal.search_postings",
)
EOF_SECONDS = 10  # how long the pipe may stay open after the kill
GRACE_SECONDS = 5  # how long an orphan may take to notice that its run is gone


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def kill_at(newsetl, lake, bucket, endpoint, folder: Path, moment: str, group: bool, prefect: bool):
    """Run until `moment`, kill it; returns the problems seen (pipe, orphans)."""
    checkpoint = Checkpoint(folder / moment, moment)
    env = {**checkpoint.env, "NEWSETL_PARSE_PROCESSES": "2"}  # the fork server and its workers
    process, tag = newsetl.spawn(
        *lake.args(bucket.source, endpoint), "--lock-timeout", "0", env=env, prefect=prefect
    )
    problems = []
    try:
        at = checkpoint.wait(process, tag)
        log(f"at {moment}: {at}")
        assert at == process.pid, f"moment {moment} reached in {at}, not in the CLI"
        kill(process, group)
        _, _, eof = read_to_eof(process, EOF_SECONDS)
        process.wait(timeout=30)
    finally:
        checkpoint.close()
    scope = "process group" if group else "process"
    log(f"killed at {moment}")
    left = wait_for_no_helpers(process.pid, tag, GRACE_SECONDS)
    if not eof:
        problems.append(
            f"{moment}: stdout/stderr still open {EOF_SECONDS} s after kill -9 of the {scope}"
        )
    if left:
        problems.append(
            f"{moment}: alive {GRACE_SECONDS} s after kill -9 of the {scope}: "
            + "; ".join(map(str, left))
        )
        kill_helpers(left)
    return problems


def check(problems: list[str], what: str, condition: bool) -> None:
    if not condition:
        problems.append(what)


def kill_at_every_checkpoint(newsetl, lake, make_bucket, s3, moto, tmp_path, group, prefect):
    bucket = make_bucket(5)
    folder = tmp_path / "checkpoints"
    problems: list[str] = []

    # 1. Killed while fetching, on a fresh lake: nothing of it may be in any table.
    problems += kill_at(newsetl, lake, bucket, moto.url, folder, "fetching", group, prefect)
    if lake.db.exists():
        hashes = table_hashes(lake.db)
        filled = [t for t in CONTRACT if not hashes.get(t, "0:").startswith("0:")]
        check(problems, f"fetching: rows left by the killed run in {filled}", not filled)

    # 2. Killed right after its commit: what it committed is whole and consistent.
    problems += kill_at(newsetl, lake, bucket, moto.url, folder, "committed", group, prefect)
    placed(lake.db, bucket.txt_keys())
    assert rows(lake.db, "SELECT count(*) FROM articles") == [(5,)]
    committed = table_hashes(lake.db)

    # 3. The bucket changes; a run killed inside its load transaction changes nothing.
    put(s3, bucket, "incoming/new-1.txt", bucket.objects["incoming/000.txt"] + b"\n1\n")
    put(s3, bucket, "incoming/new-2.txt", bucket.objects["incoming/001.txt"] + b"\n2\n")
    put(s3, bucket, "incoming/003.txt", bucket.objects["incoming/003.txt"] + b"\n3\n")
    delete(s3, bucket, "incoming/004.txt")
    problems += kill_at(newsetl, lake, bucket, moto.url, folder, "loading", group, prefect)
    after = table_hashes(lake.db)
    changed = sorted(t for t in committed if after.get(t) != committed[t])
    check(problems, f"loading: tables changed by the killed run: {changed}", not changed)

    # 4. The next run does not wait for a lock, heals everything and leaves no staging.
    healed = newsetl(*lake.args(bucket.source, moto.url), "--lock-timeout", "0", prefect=prefect)
    log(f"healed: {healed.code} in {healed.seconds:.1f} s")
    assert healed.code == 0, str(healed)
    placement = placed(lake.db, bucket.txt_keys())
    assert placement.articles == bucket.txt_keys()
    assert rows(lake.db, "SELECT key FROM source_objects WHERE status = 'deleted'") == [
        ("incoming/004.txt",)
    ]
    live = dict(rows(lake.db, "SELECT key, content_sha256 FROM articles WHERE deleted_at IS NULL"))
    assert live["incoming/003.txt"] == sha256(bucket.objects["incoming/003.txt"]).hexdigest()
    left = sorted(p.name for p in lake.staging.iterdir()) if lake.staging.exists() else []
    check(problems, f"staging folder left after the healing run: {left}", not lake.staging.exists())
    assert not problems, "\n".join(problems)


def test_kill_run_process_at_each_checkpoint_with_its_own_prefect_server(
    newsetl, lake, make_bucket, s3, moto, tmp_path
) -> None:
    """Without PREFECT_API_URL: the CLI starts its own temporary Prefect server."""
    kill_at_every_checkpoint(newsetl, lake, make_bucket, s3, moto, tmp_path, False, False)


def test_kill_process_group_at_each_checkpoint(
    newsetl, lake, make_bucket, s3, moto, tmp_path
) -> None:
    kill_at_every_checkpoint(newsetl, lake, make_bucket, s3, moto, tmp_path, True, True)
