"""The flows a command calls on its own temporary Prefect server send no heartbeats: the server
stops with the command, so nothing could read them, and each flow run's end would wait for the
heartbeat thread. Against a configured server Prefect's own setting stands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

SCRIPT = """
import json, os
from newsetl.cli.writer import start_prefect
ready = start_prefect(False)
started = os.environ.get("PREFECT_API_URL")
with ready():
    from prefect.settings import get_current_settings
    inside = get_current_settings().flows.heartbeat_frequency
print(json.dumps({
    "api": started,
    "inside": inside,
    "after": get_current_settings().flows.heartbeat_frequency,
}))
"""


def run_script(env: dict[str, str], cwd: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_no_heartbeats_on_the_temporary_server_only(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # `make test`'s Prefect home, whose database is migrated already (a new one takes seconds).
    env["PREFECT_HOME"] = os.environ.get("PREFECT_HOME") or str(tmp_path / "home")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    temporary = run_script(env, tmp_path)
    assert temporary["api"].startswith("http://127.0.0.1:")
    assert temporary["inside"] is None

    configured = run_script({**env, "PREFECT_API_URL": "http://127.0.0.1:9/api"}, tmp_path)
    assert configured["api"] == "http://127.0.0.1:9/api"
    assert configured["inside"] == configured["after"]
    assert configured["inside"] is not None
    assert temporary["after"] == configured["inside"]  # Prefect's own again after the flows
