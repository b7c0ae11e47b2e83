"""The CLI's own start of Prefect's temporary server: when it starts one, that it answers on
127.0.0.1 and is gone after the command, and when it must leave Prefect alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsetl.runtime.prefect_api import api_configured


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


def test_a_killed_process_not_yet_reaped_counts_as_gone() -> None:
    """The GX process and the parse workers leave when their run is gone; a run killed with
    SIGKILL stays a zombie until its parent reaps it, and a parent that reads the run's output to
    EOF before reaping would otherwise wait for ever on them."""
    from newsetl.common.localserver import alive as running

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: a zombie
    assert (Path("/proc") / str(child.pid)).exists()
    assert not running(child.pid)
    assert running(os.getpid())
    child.wait()
    assert not running(child.pid)
