"""The CLI's own start of Prefect's temporary server: when it starts one, that it answers on
127.0.0.1 and is gone after the command, and when it must leave Prefect alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsetl.prefect_api import TemporaryServer, api_configured
from tests.conftest import SAMPLE, table


def bare_env(home: Path) -> dict[str, str]:
    """No API anywhere: a fresh Prefect home and nothing in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def test_nothing_configured_means_ephemeral(tmp_path: Path) -> None:
    assert not api_configured(bare_env(tmp_path / "home"), cwd=tmp_path)


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("home/profiles.toml", '[profiles.work]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n'),
        (".env", "PREFECT_API_URL=http://10.0.0.5:4200/api\n"),
        ("prefect.toml", '[api]\nurl = "http://10.0.0.5:4200/api"\n'),
        ("pyproject.toml", '[tool.prefect.api]\nurl = "http://10.0.0.5:4200/api"\n'),
    ],
)
def test_an_api_in_prefects_config_files_is_left_to_prefect(
    tmp_path: Path, where: str, text: str
) -> None:
    path = tmp_path / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    assert api_configured(bare_env(tmp_path / "home"), cwd=tmp_path)


def test_an_api_in_the_environment_or_ephemeral_off_is_left_to_prefect(tmp_path: Path) -> None:
    env = bare_env(tmp_path / "home")
    assert api_configured({**env, "PREFECT_API_URL": "http://10.0.0.5:4200/api"}, cwd=tmp_path)
    assert api_configured({**env, "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false"}, cwd=tmp_path)
    assert not api_configured({**env, "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "true"}, cwd=tmp_path)


def server_processes(home: Path) -> list[int]:
    """Live processes serving Prefect's API app with this PREFECT_HOME."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"create_app" in cmdline and f"PREFECT_HOME={home}".encode() in environ.split(b"\0"):
            found.append(int(proc.name))
    return found


def test_the_temporary_server_answers_on_loopback_and_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    server = TemporaryServer()
    try:
        assert server.api_url.startswith("http://127.0.0.1:")
        server.wait(timeout=120)
        assert server.healthy()
        assert server_processes(home) == [server.process.pid]
    finally:
        server.stop()
    assert server.process.poll() is not None
    assert not server.healthy()
    assert not server.log.exists()


def test_a_cli_run_without_an_api_starts_and_stops_its_own_server(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = tmp_path / "news.duckdb"
    exe = Path(sys.executable).with_name("newsetl")
    result = subprocess.run(
        [str(exe), "run", "--source", str(SAMPLE), "--db", str(db)],
        cwd=tmp_path,
        env={**bare_env(home), "NEWSETL_REPORTS_DIR": str(tmp_path / "reports")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert table(db, "SELECT count(*) FROM articles") == [(5,)]
    # The flow run is recorded in that server's database, under this Prefect home.
    assert (home / "prefect.db").is_file()
    assert server_processes(home) == []
