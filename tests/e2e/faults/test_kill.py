"""kill -9 of a run at each checkpoint, of its process alone and of its whole process group.

One lake goes through four runs: killed while fetching (a fresh lake; the process alone, with no
Prefect API configured, so the CLI had started its own temporary server), killed right after its
commit (the whole process group), killed inside the load transaction after the bucket changed
(the process alone), then a normal run with its own temporary server again. After every kill:
the tables are as they were (except after the commit), the run's stdout pipe reaches EOF at once,
no process the run started is left (Prefect's temporary server, the GX process, the fork server,
parse workers, the resource tracker), and the next run does not wait for a lock (every run has
--lock-timeout 0). The last run heals everything, stops its server and leaves no staging folder.

Each moment is killed once, both ways of killing are covered, and so are both ways of reaching
Prefect: every killed run costs the suite a CLI start-up, so the test does not take the whole
product of moments and ways.
"""

from __future__ import annotations

import time
from hashlib import sha256
from pathlib import Path

import pytest

from tests.e2e.faults.conftest import Checkpoint, delete, kill, put, read_to_eof
from tests.e2e.faults.invariants import (
    kill_helpers,
    placed,
    rows,
    table_hashes,
    wait_for_no_helpers,
)

pytestmark = pytest.mark.slow  # the test runs the CLI four times

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
RUN_FLAGS = ("--lock-timeout", "0", "--allow-deletes")  # the bucket loses one of five objects


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def kill_at(newsetl, lake, bucket, endpoint, folder: Path, moment: str, group: bool, prefect: bool):
    """Run until `moment`, kill it; returns the problems seen (pipe, orphans)."""
    checkpoint = Checkpoint(folder / moment, moment)
    env = {  # the fork server and its workers, even for five articles
        **checkpoint.env,
        "NEWSETL_PARSE_PROCESSES": "2",
        "NEWSETL_PARSE_POOL_MIN_OBJECTS": "0",
    }
    process, tag = newsetl.spawn(
        *lake.args(bucket.source, endpoint), *RUN_FLAGS, env=env, prefect=prefect
    )
    problems = []
    try:
        at = checkpoint.wait(process, tag)
        log(f"at {moment}: {at}")
        assert at == process.pid, f"moment {moment} reached in {at}, not in the CLI"
        kill(process, group)
        _, _, eof = read_to_eof(process, EOF_SECONDS)  # before reaping it, as a pipe's reader
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


def test_kill_at_each_checkpoint_leaves_nothing_and_the_next_run_heals(
    newsetl, lake, make_bucket, s3, moto, tmp_path
) -> None:
    bucket = make_bucket(5)
    folder = tmp_path / "checkpoints"
    problems: list[str] = []

    # 1. The process alone killed while fetching, on a fresh lake, with its own Prefect server:
    # nothing of it may be in any table, and the server goes with it.
    problems += kill_at(newsetl, lake, bucket, moto.url, folder, "fetching", False, False)
    if lake.db.exists():
        hashes = table_hashes(lake.db)
        filled = [t for t in CONTRACT if not hashes.get(t, "0:").startswith("0:")]
        check(problems, f"fetching: rows left by the killed run in {filled}", not filled)

    # 2. The group killed right after the commit: what it committed is whole and consistent.
    problems += kill_at(newsetl, lake, bucket, moto.url, folder, "committed", True, True)
    placed(lake.db, bucket.txt_keys())
    assert rows(lake.db, "SELECT count(*) FROM articles") == [(5,)]
    committed = table_hashes(lake.db)

    # 3. The bucket changes; the process killed inside its load transaction changes nothing.
    put(s3, bucket, "incoming/new-1.txt", bucket.objects["incoming/000.txt"] + b"\n1\n")
    put(s3, bucket, "incoming/new-2.txt", bucket.objects["incoming/001.txt"] + b"\n2\n")
    put(s3, bucket, "incoming/003.txt", bucket.objects["incoming/003.txt"] + b"\n3\n")
    delete(s3, bucket, "incoming/004.txt")
    problems += kill_at(newsetl, lake, bucket, moto.url, folder, "loading", False, True)
    after = table_hashes(lake.db)
    changed = sorted(t for t in committed if after.get(t) != committed[t])
    check(problems, f"loading: tables changed by the killed run: {changed}", not changed)

    # 4. The next run, with no Prefect API configured, does not wait for a lock, heals
    # everything, records its flow run in the server it started, and stops that server.
    healed = newsetl(*lake.args(bucket.source, moto.url), *RUN_FLAGS, prefect=False)
    log(f"healed: {healed.code} in {healed.seconds:.1f} s")
    assert healed.code == 0, str(healed)
    assert not healed.pipes_held
    assert not wait_for_no_helpers(healed.pid, healed.tag, GRACE_SECONDS)
    assert (newsetl.home / "prefect.db").is_file()
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
