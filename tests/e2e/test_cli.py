"""The `newsetl` command: exit codes, one-line errors, the single-writer rule."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from newsetl.common.catalog import Catalog
from newsetl.lake.lock import writer_lock
from newsetl.quality.summary import COUNTS
from newsetl.runtime.devs3 import MotoServer
from tests.conftest import SAMPLE, table


def flow_run_count(api: str) -> int:
    response = httpx.post(f"{api}/flow_runs/count", json={}, timeout=30)
    response.raise_for_status()
    return int(response.json())


def test_run_summary_second_writer_and_quarantine_on_one_lake(
    cli, prefect_api: str, moto, s3, bucket: str, warehouse_dir: Path
) -> None:
    """One lake through the commands an operator runs: a run prints its summary and exits 0, the
    commands `quarantine list` and `report` show what is held and why, the next run says "Nothing
    new", a run that meets another writer's lock fails in one line and changes nothing, and
    `quarantine retry` keeps what still fails."""
    db = warehouse_dir / "news.sqlite"
    reports = warehouse_dir / "reports"
    s3.put_object(Bucket=bucket, Key="incoming/бос файл.txt", Body=b"  \n ")
    args = ["run", "--source", f"s3://{bucket}/incoming/", "--db", str(db)]
    args += ["--endpoint-url", moto.url, "--reports-dir", str(reports)]

    first = cli(*args)
    assert first.returncode == 0, first.stderr
    assert "loaded" in first.stdout and "quarantined" in first.stdout
    assert table(db, "SELECT count(*) FROM articles")[0][0] == 5
    held = cli("quarantine", "list", "--db", str(db), env={"COLUMNS": "200"})
    assert held.returncode == 0, held.stderr
    assert "incoming/бос файл.txt" in held.stdout
    assert "content_not_empty" in held.stdout
    assert "1 held" in held.stdout

    report = cli("report", "--db", str(db), "--reports-dir", str(reports), env={"COLUMNS": "200"})
    assert report.returncode == 0, report.stderr
    run_id = table(db, "SELECT run_id FROM ingest_runs")[0][0]
    assert run_id in report.stdout
    assert "content_not_empty" in report.stdout and "False" in report.stdout
    assert str((reports / "data_docs" / "index.html").resolve()) in report.stdout

    runs = table(db, "SELECT count(*) FROM ingest_runs")
    flow_runs = flow_run_count(prefect_api)
    second = cli(*args)
    assert second.returncode == 0, second.stderr
    assert "Nothing new" in second.stdout
    # Nothing to do: decided before any flow, so neither a flow run nor a run record.
    assert flow_run_count(prefect_api) == flow_runs
    assert table(db, "SELECT count(*) FROM ingest_runs") == runs

    with writer_lock(Catalog.parse(db), timeout=5, scope=f"s3://{bucket}/incoming/"):
        blocked = cli(*args, "--lock-timeout", "2")
    assert blocked.returncode == 1
    line = one_line_error(blocked)
    assert f"being written by another run: PID {os.getpid()}" in line
    assert "waited 2 s" in line
    assert table(db, "SELECT count(*) FROM articles") == [(5,)]
    assert table(db, "SELECT count(*) FROM ingest_runs") == runs

    retry = cli("quarantine", "retry", "--db", str(db), "--reports-dir", str(reports))
    assert retry.returncode == 0, retry.stderr
    assert "0 moved to articles, 1 still held" in retry.stdout


def test_settings_come_from_the_environment(cli, moto, bucket: str, warehouse_dir: Path) -> None:
    db = warehouse_dir / "env.sqlite"
    env = {
        "NEWSETL_SOURCE": f"s3://{bucket}/incoming/",
        "NEWSETL_DB": str(db),
        "AWS_ENDPOINT_URL": moto.url,
        "NEWSETL_PATTERN": "00[0-2]_*.txt",
        "NEWSETL_REPORTS_DIR": str(warehouse_dir / "reports"),
    }
    result = cli("run", "--dry-run", "--json", env=env)  # the plan shows what they select
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["status"], plan["new"], plan["ignored"]) == ("dry_run", 3, 2)
    assert plan["source"] == f"s3://{bucket}/incoming/"
    assert not db.exists()  # a dry run creates no lake


def one_line_error(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_missing_bucket(cli, moto, warehouse_dir: Path) -> None:
    db = warehouse_dir / "news.sqlite"
    result = cli(
        "run", "--source", "s3://no-such-bucket/x/", "--db", str(db), "--endpoint-url", moto.url
    )
    assert result.returncode == 1
    assert "bucket does not exist" in one_line_error(result)
    assert not db.exists()


def test_unreachable_endpoint(cli, warehouse_dir: Path) -> None:
    from newsetl.common.localserver import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = cli(
        "run",
        "--source",
        "s3://news-raw/x/",
        "--db",
        str(warehouse_dir / "n.sqlite"),
        "--endpoint-url",
        url,
    )
    assert result.returncode == 1
    assert "cannot reach endpoint" in one_line_error(result)


def test_wrong_credentials_are_named_and_never_printed(cli, warehouse_dir: Path) -> None:
    """A moto server that checks IAM credentials, so a made-up key is refused as by AWS."""
    server = MotoServer(env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"}).start()
    try:
        secret = "s3cr3t-value-that-must-not-leak"
        result = cli(
            "run",
            "--source",
            "s3://news-raw/x/",
            "--db",
            str(warehouse_dir / "n.sqlite"),
            "--endpoint-url",
            server.url,
            env={"AWS_ACCESS_KEY_ID": "AKIAUNKNOWN", "AWS_SECRET_ACCESS_KEY": secret},
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert "access key" in one_line_error(result)
    assert secret not in result.stdout + result.stderr


def test_unwritable_db_path(cli, moto, bucket: str, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli(
        "run",
        "--source",
        f"s3://{bucket}/incoming/",
        "--db",
        str(blocker / "news.sqlite"),
        "--endpoint-url",
        moto.url,
    )
    assert result.returncode == 1
    assert "warehouse" in one_line_error(result)


def test_bad_arguments_exit_two(cli, warehouse_dir: Path) -> None:
    result = cli("run", "--chunk-size", "0", "--db", str(warehouse_dir / "n.sqlite"))
    assert result.returncode == 2
    assert "chunk_size" in result.stderr
    assert cli("run", "--no-such-flag").returncode == 2


def test_report_on_a_missing_warehouse_is_one_line(cli, warehouse_dir: Path) -> None:
    result = cli("report", "--db", str(warehouse_dir / "nope.sqlite"))
    assert result.returncode == 1
    assert "warehouse not found" in one_line_error(result)


ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def test_run_json_on_stdout_and_what_it_does_on_the_terminal(
    prefect_api: str, warehouse_dir: Path
) -> None:
    """stdout a pipe, stderr a terminal: the summary is one JSON document on stdout, and the
    terminal saw every phase, from the checks before Prefect starts to the Data Docs."""
    db = warehouse_dir / "news.sqlite"
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "TERM": "xterm", "COLUMNS": "120"}
    env.pop("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", None)
    command = [str(Path(sys.executable).with_name("newsetl")), "run", "--json"]
    command += ["--source", str(SAMPLE), "--db", str(db)]
    command += ["--reports-dir", str(warehouse_dir / "reports")]
    terminal, terminal_side = pty.openpty()
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=terminal_side, env=env)
    os.close(terminal_side)
    screen = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # every writer has closed it
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=600)
    elapsed = time.monotonic() - started
    reader.join(timeout=60)
    os.close(terminal)
    shown = ANSI.sub("", screen.decode("utf-8", errors="replace"))
    assert process.returncode == 0, shown[-2000:]

    summary = json.loads(stdout)
    assert summary["status"] == "completed" and summary["loaded"] == 5
    assert set(COUNTS) | {"run_id", "seconds", "wall_seconds", "snapshot_id"} <= set(summary)
    # The whole command: its start-up (imports, Prefect) and the Data Docs included.
    assert summary["seconds"] + 1 <= summary["wall_seconds"] <= elapsed
    for phase in (
        "checking the warehouse, the lock and the source",
        "starting Prefect",
        "opening the warehouse",
        "listing the source",
        "fetching and parsing",
        "5/5",
        "validating",
        "loading",
        "building the Data Docs",
    ):
        assert phase in shown, phase
