"""The command line's surface without a run: options and their defaults from Settings, --version
and completion, --json, `status` and `report` on a real lake, and the checks that fail at once
(an impossible warehouse path, a lock another process holds). In-process where it can be (typer's
CliRunner), the real console script where the process matters."""

from __future__ import annotations

import inspect
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from newsetl.cli.main import app
from newsetl.cli.options import Command, default_text, flag_name, settings_options
from newsetl.common.catalog import Catalog, WarehouseError
from newsetl.common.settings import Settings, flow_fields, option_fields
from newsetl.lake import connection, lock
from tests.conftest import SAMPLE
from tests.lake.test_migrations import build_lake

WIDE = {"COLUMNS": "250", "NO_COLOR": "1", "TERM": "dumb"}
HOSTILE_KEY = "incoming/[bold red]boom[/] [link=http://x]y[/link].txt"


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={**WIDE, **(env or {})}, prog_name="newsetl")


def console_script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("newsetl")
    return subprocess.run(
        [str(exe), *args],
        env={**os.environ, **WIDE, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def help_rows(text: str) -> dict[str, str]:
    """Each option's row of a help screen, by its long name."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\W*(--[a-z-]+)", line)
        if match:
            rows[match.group(1)] = line
    return rows


# -- options come from Settings ----------------------------------------------------------------


def test_run_help_shows_every_settings_option_with_its_default() -> None:
    result = invoke("run", "--help")
    assert result.exit_code == 0, result.output
    rows = help_rows(result.stdout)
    for name in option_fields():
        row = rows[flag_name(name)]
        assert f"[default: {default_text(name)}]" in row, row
    assert "[default: 2000]" in rows["--chunk-size"]
    assert "[default: warehouse/news.sqlite]" in rows["--db"]
    # A flag takes no value: no type column, and a --no- form that beats the environment.
    assert "<bool>" not in rows["--full-refresh"] and "--no-full-refresh" in rows["--full-refresh"]
    assert "<bool>" not in rows["--help"] and "<bool>" not in rows["--json"]
    # Fields marked as no option stay out.
    assert "--expectations-dir" not in rows and "--duckdb-memory-limit" not in rows


def test_the_shared_options_of_other_commands_show_their_defaults() -> None:
    for command in (["report"], ["status"], ["quarantine", "list"], ["sql"], ["maintain"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0, result.output
        assert "[default: warehouse/news.sqlite]" in help_rows(result.stdout)["--db"], command
    maintain_rows = help_rows(invoke("maintain", "--help").stdout)
    assert "[default: 60]" in maintain_rows["--lock-timeout"]
    assert "[default: 30]" in maintain_rows["--retention-days"]


def test_flags_win_over_the_environment_which_wins_over_defaults() -> None:
    probe = typer.Typer()

    @probe.command(cls=Command)
    @settings_options()
    def show(settings: Settings) -> None:
        typer.echo(settings.model_dump_json())

    env = {"NEWSETL_FULL_REFRESH": "true", "NEWSETL_WORKERS": "3", "NEWSETL_CHUNK_SIZE": "9"}
    result = CliRunner().invoke(probe, ["--no-full-refresh", "--chunk-size", "7"], env=env)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["full_refresh"], shown["chunk_size"], shown["workers"]) == (False, 7, 3)
    assert shown["pattern"] == Settings.model_fields["pattern"].default


def test_a_bad_value_names_the_option_and_its_variable_and_exits_two() -> None:
    from_flag = invoke("run", "--chunk-size", "0", env={"NEWSETL_CHUNK_SIZE": "5"})
    assert from_flag.exit_code == 2
    assert "chunk_size (--chunk-size / NEWSETL_CHUNK_SIZE)" in from_flag.stderr
    from_env = invoke("run", "--db", "/proc/x.sqlite", env={"NEWSETL_CHUNK_SIZE": "0"})
    assert from_env.exit_code == 2 and "chunk_size" in from_env.stderr
    flag_beats_env = invoke(
        "run", "--chunk-size", "5", "--db", "/proc/x.sqlite", env={"NEWSETL_CHUNK_SIZE": "0"}
    )
    assert flag_beats_env.exit_code == 1, flag_beats_env.output  # past the arguments
    assert invoke("run", "--task-runner", "spark").exit_code == 2


def test_the_flow_takes_exactly_the_settings_meant_for_it() -> None:
    from flows.ingest import ingest_news

    parameters = inspect.signature(ingest_news.fn).parameters
    assert set(parameters) == set(flow_fields())
    for name, parameter in parameters.items():
        default = Settings.model_fields[name].default
        if Settings.model_fields[name].default_factory is None:
            assert parameter.default == (str(default) if isinstance(default, Path) else default)
    assert set(Settings().flow_parameters()) == set(flow_fields())


def test_every_option_field_says_what_it_is() -> None:
    for name in option_fields():
        assert Settings.model_fields[name].description, f"{name} needs a description (its help)"


# -- version and completion --------------------------------------------------------------------


def test_version_comes_from_the_package() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"newsetl {version('newsetl')}"


def test_shell_completion_of_the_console_script() -> None:
    # Typer's switch for naming the shell instead of detecting the one the command runs from.
    choose = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    script = console_script("--show-completion", "bash", env=choose)
    assert script.returncode == 0, script.stderr
    assert "_NEWSETL_COMPLETE=complete_bash" in script.stdout
    assert "complete -o default -F _newsetl_completion newsetl" in script.stdout
    words = console_script(
        env={
            "_NEWSETL_COMPLETE": "complete_bash",
            "COMP_WORDS": "newsetl run --full",
            "COMP_CWORD": "2",
        }
    )
    assert words.returncode == 0, words.stderr
    assert words.stdout.split() == ["--full-refresh"]


# -- failing fast ------------------------------------------------------------------------------


def test_an_impossible_warehouse_path_fails_at_once(tmp_path: Path) -> None:
    started = time.monotonic()
    result = invoke(
        "run", "--source", str(SAMPLE), "--db", "/proc/news.sqlite", "--lock-timeout", "60"
    )
    assert result.exit_code == 1
    assert "/proc/news.sqlite" in result.stderr
    assert "another run" not in result.stderr
    assert time.monotonic() - started < 20  # not the lock timeout, not Prefect's start


@contextmanager
def lock_holder(db: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the warehouse's writer lock until told to stop."""
    script = db.parent / "hold_the_lock.py"
    script.write_text(
        "import sys\n"
        "from newsetl.common.catalog import Catalog\nfrom newsetl.lake.lock import writer_lock\n"
        "with writer_lock(Catalog.parse(sys.argv[1]), timeout=5):\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    process = subprocess.Popen(
        [sys.executable, str(script), str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout.readline().strip() == b"held"
        yield process
    finally:
        if process.poll() is None:
            process.stdin.close()
        process.wait(timeout=60)


def test_a_held_lock_names_its_holder(warehouse_dir: Path) -> None:
    db = warehouse_dir / "news.sqlite"
    with lock_holder(db) as holder:
        blocked = invoke("run", "--source", str(SAMPLE), "--db", str(db), "--lock-timeout", "0.5")
        assert blocked.exit_code == 1
        message = " ".join(blocked.stderr.split())
        assert f"PID {holder.pid} (python hold_the_lock.py {db})" in message
        assert f"kill {holder.pid}" in message and "--lock-timeout" in message

        status = invoke("status", "--db", str(db), "--json")
        assert status.exit_code == 0, status.output
        state = json.loads(status.stdout)
        assert [p["pid"] for p in state["in_progress"]] == [holder.pid]
        assert state["in_progress"][0]["command"] == f"python hold_the_lock.py {db}"
        assert state["warehouse_exists"] is False and state["last_run"] is None

        # The run has made the catalog file but not the lake in it yet.
        connection.create_sqlite_catalog(db)
        report = invoke("report", "--db", str(db))
        assert report.exit_code == 1
        assert f"being written by PID {holder.pid}" in " ".join(report.stderr.split())
        assert "DuckLake" not in report.stderr and "Error" not in report.stderr

        # Then the lake, but not its tables yet: a query names the run, not a missing table.
        connection.connect(Catalog.parse(db, str(warehouse_dir / "news.files") + "/")).close()
        query = invoke("sql", "--db", str(db), "-c", "SELECT count(*) FROM articles")
        assert query.exit_code == 1
        [line] = query.stderr.strip().splitlines()
        assert f"being written by PID {holder.pid}" in line and "articles" not in line, line
        typo = invoke("sql", "--db", str(db), "-c", "SELEC 1")  # not every error is the run's
        assert typo.exit_code == 1 and "being written" not in typo.stderr
        for leftover in db.parent.glob("news.*"):
            if leftover.is_file():
                leftover.unlink()
    after = invoke("status", "--db", str(db), "--json")
    assert after.exit_code == 1 and "warehouse not found" in after.stderr  # nothing in progress


def test_a_killed_holder_leaves_no_lock(warehouse_dir: Path) -> None:
    db = warehouse_dir / "news.sqlite"
    with lock_holder(db) as holder:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=60)
    record = warehouse_dir / "news.sqlite.lock.holder"
    assert str(holder.pid) in record.read_text()  # its record stays behind, and is not believed
    after = invoke("status", "--db", str(db), "--json")
    assert after.exit_code == 1 and "warehouse not found" in after.stderr  # nothing in progress
    with lock.writer_lock(Catalog.parse(db), timeout=0):
        assert json.loads(record.read_text())["pid"] == os.getpid()
    assert not record.exists()


# -- status and report on a lake ---------------------------------------------------------------


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared test lake (three runs of March 2026), then a run whose warning named a hostile
    key, then a no-op rerun that flagged nothing."""
    db = build_lake(tmp_path_factory.mktemp("lake"))
    con = connection.connect(Catalog.parse(db))
    try:
        for run_id, day in (("run-hostile", 9), ("run-noop", 10)):
            con.execute(
                "INSERT INTO ingest_runs SELECT * REPLACE (? AS run_id, "
                "started_at + to_days(?) AS started_at, finished_at + to_days(?) AS finished_at) "
                "FROM ingest_runs WHERE run_id = 'run-20260308'",
                [run_id, day - 8, day - 8],
            )
        details = {
            "unexpected_sample": [{"key": HOSTILE_KEY, "published_date": None}],
            "unexpected_value_counts": [],
        }
        con.execute(
            "INSERT INTO dq_results VALUES ('run-hostile', 'articles', 'published_date_present', "
            "'expect_column_values_to_not_be_null', 'published_date', 'warning', false, 3, 1, "
            "33.3, ?), ('run-noop', 'articles', 'published_date_present', "
            "'expect_column_values_to_not_be_null', 'published_date', 'warning', true, 3, 0, "
            "0.0, '{}')",
            [json.dumps(details)],
        )
    finally:
        con.close()
    return db


def test_status_gives_last_run_freshness_and_oldest_quarantined(lake: Path) -> None:
    result = invoke("status", "--db", str(lake), "--json")
    assert result.exit_code == 0, result.output
    state = json.loads(result.stdout)
    assert set(state) == {
        "catalog",
        "warehouse_exists",
        "in_progress",
        "last_run",
        "last_completed_run",
        "quarantine",
    }
    assert state["in_progress"] == []
    assert (state["last_run"]["run_id"], state["last_run"]["status"]) == ("run-noop", "completed")
    fresh = state["last_completed_run"]
    assert fresh["run_id"] == "run-noop"
    expected = (datetime.now(UTC) - datetime(2026, 3, 10, 9, tzinfo=UTC)).total_seconds()
    assert abs(fresh["age_seconds"] - expected) < 120
    assert state["quarantine"]["held"] == 2
    assert state["quarantine"]["oldest"]["key"] == "incoming/007_empty.txt"
    assert state["quarantine"]["oldest"]["reasons"] == ["content_not_empty"]

    text = invoke("status", "--db", str(lake))
    assert text.exit_code == 0
    assert "run-noop: completed" in text.stdout and "incoming/007_empty.txt" in text.stdout


def test_report_lists_the_rows_behind_failed_expectations_of_earlier_runs(lake: Path) -> None:
    latest = invoke("report", "--db", str(lake))
    assert latest.exit_code == 0, latest.output
    assert "run-noop" in latest.stdout and "run-hostile" not in latest.stdout

    last_two = invoke("report", "--db", str(lake), "--last", "2")
    assert last_two.exit_code == 0, last_two.output
    assert "run-noop" in last_two.stdout and "run-hostile" in last_two.stdout
    assert HOSTILE_KEY in last_two.stdout  # printed as text, never as markup
    assert "articles.published_date_present" in last_two.stdout

    one = invoke("report", "--db", str(lake), "--run", "run-20260306", "--json")
    assert one.exit_code == 0, one.output
    data = json.loads(one.stdout)
    assert set(data) == {"catalog", "data_docs", "runs"}
    [run] = data["runs"]
    assert run["run"]["run_id"] == "run-20260306" and run["run"]["status"] == "completed"
    failed = {e["expectation"]: e for e in run["expectations"] if not e["success"]}
    assert set(failed) == {"content_decodable", "content_not_empty"}
    assert failed["content_not_empty"]["severity"] == "critical"
    assert [r["key"] for r in failed["content_not_empty"]["rows"]] == ["incoming/007_empty.txt"]
    assert [r["key"] for r in failed["content_decodable"]["rows"]] == ["incoming/009_binary.txt"]

    hostile = invoke("report", "--db", str(lake), "--run", "run-hostile", "--json")
    expectations = json.loads(hostile.stdout)["runs"][0]["expectations"]
    [row] = next(e for e in expectations if not e["success"])["rows"]
    assert row == {"key": HOSTILE_KEY, "value": None, "sampled": True}

    assert invoke("report", "--db", str(lake), "--run", "nope").exit_code == 1
    assert invoke("report", "--db", str(lake), "--run", "x", "--last", "2").exit_code == 2


def test_quarantine_list_as_json(lake: Path) -> None:
    result = invoke("quarantine", "list", "--db", str(lake), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["held"] == 2
    assert [o["key"] for o in data["objects"]] == [
        "incoming/008_caption_only.txt",
        "incoming/007_empty.txt",
    ]
    assert data["objects"][0]["reasons"] == ["body_min_length", "title_not_null"]
    assert set(data["objects"][0]) == {
        "key",
        "size",
        "reasons",
        "source_encoding",
        "quarantined_at",
        "run_id",
    }


def test_the_lock_is_re_entrant_in_its_own_context_only(tmp_path: Path) -> None:
    """The command takes the lock and the flow it calls takes it again; another thread of the
    same process is kept out like another process."""
    import threading

    catalog = Catalog.parse(tmp_path / "news.sqlite")
    record = tmp_path / "news.sqlite.lock.holder"
    refused: list[str] = []

    def another_thread() -> None:
        try:
            with lock.writer_lock(catalog, timeout=0):
                pass
        except WarehouseError as exc:
            refused.append(str(exc))

    with lock.writer_lock(catalog, timeout=0):
        with lock.writer_lock(catalog, timeout=0):
            pass
        assert json.loads(record.read_text())["pid"] == os.getpid()  # still held, still named
        thread = threading.Thread(target=another_thread)
        thread.start()
        thread.join()
    assert len(refused) == 1 and f"PID {os.getpid()}" in refused[0]
    assert not record.exists()
