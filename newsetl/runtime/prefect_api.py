"""Prefect's temporary API server, started the moment the CLI starts.

Without an API URL, Prefect's ephemeral mode starts a local server when the first flow is called:
after this process has imported Prefect, the flows and the server module (seconds of CPU), and
only then does the server's own boot (seconds more) begin. Starting the very same server as the
CLI's first step lets its boot overlap all of that. Same command, same settings as Prefect's
ephemeral mode (uvicorn with `prefect.server.api.server:create_app`, no UI, bound to 127.0.0.1),
except that block types are not registered at start; stopped when the CLI exits. Nothing here
imports Prefect.

Where the user has an API configured (environment, profile, prefect.toml or .env), or has
turned ephemeral mode off, nothing is started and Prefect behaves as it always does.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsetl.common import interrupt
from newsetl.common.localserver import (
    alive,
    answers,
    die_with_parent,
    free_port,
    kill_now,
    terminate,
)

# What Prefect's SubprocessASGIServer sets for its ephemeral server process.
EPHEMERAL_ENV = {
    "PREFECT_UI_ENABLED": "0",
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    # A run uses no blocks. Registering every installed block type at each start (and importing
    # the Prefect collections to hash them) cost 0.9-2 s of the server's 5-7 s of boot CPU.
    "PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
}
# The CLI's own client of that server: a server that is gone (killed by PID, out of memory) is
# given up on within seconds instead of minutes per call (Prefect's defaults: 5 retries with
# 2, 4, 8, 16 and 32 s of back-off, 60 s per request). An explicit setting still wins.
CLIENT_ENV = {
    "PREFECT_CLIENT_MAX_RETRIES": "2",
    "PREFECT_API_REQUEST_TIMEOUT": "30",
}
_FALSE = {"0", "false", "no", "off"}


class PrefectApiError(RuntimeError):
    """The temporary server did not become healthy."""


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()


def api_configured(environ: dict[str, str] | None = None, cwd: Path | None = None) -> bool:
    """Whether Prefect would talk to a configured API rather than start an ephemeral server.
    Read from the same places Prefect reads, by text, so that Prefect need not be imported."""
    env = os.environ if environ is None else environ
    if env.get("PREFECT_API_URL"):
        return True
    if env.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "").strip().lower() in _FALSE:
        return True
    cwd = cwd or Path.cwd()
    home = Path(env.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles = Path(env.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    markers = {
        profiles: ("PREFECT_API_URL", "ALLOW_EPHEMERAL_MODE"),
        cwd / ".env": ("PREFECT_API_URL", "ALLOW_EPHEMERAL_MODE"),
        cwd / "prefect.toml": ("[api]", "api.url", "allow_ephemeral_mode"),
        cwd / "pyproject.toml": ("[tool.prefect.api]", "api.url", "allow_ephemeral_mode"),
    }
    for path, needles in markers.items():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if any(needle in text for needle in needles):
            return True
    return False


LOG_PREFIX = "newsetl-prefect-"


def remove_stale_logs() -> None:
    """Server logs of CLI processes that were killed before they could remove their own."""
    for path in Path(tempfile.gettempdir()).glob(f"{LOG_PREFIX}*.log"):
        pid = path.name.removeprefix(LOG_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not alive(int(pid)):
            path.unlink(missing_ok=True)


class TemporaryServer:
    """One Prefect API server process for the life of this CLI process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        remove_stale_logs()
        handle, name = tempfile.mkstemp(prefix=f"{LOG_PREFIX}{os.getpid()}-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            raise PrefectApiError("prefect is not installed")
        app_dir = Path(next(iter(spec.submodule_search_locations))).parent
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory"]
        command += ["prefect.server.api.server:create_app", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                env={**os.environ, **EPHEMERAL_ENV},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # A session of its own: Ctrl-C (SIGINT to the terminal's foreground group) or
                # SIGTERM to the CLI's group does not reach it, so it outlives the flow's last
                # state change (a Crashed flow run is recorded, not retried against a dead
                # server); the CLI stops it at exit.
                start_new_session=True,
                preexec_fn=die_with_parent,  # a CLI killed with SIGKILL takes its server along
            )
        atexit.register(self.stop)
        interrupt.on_stop(self, lambda: kill_now([self.process.pid]), hard_only=True)

    def healthy(self) -> bool:
        return answers(f"{self.api_url}/health")

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrefectApiError(
                    f"Prefect's temporary server exited with {self.process.returncode}: "
                    f"{self._log_tail()}"
                )
            if self.healthy():
                return
            time.sleep(0.05)
        self.stop()
        raise PrefectApiError(f"Prefect's temporary server was not up after {timeout:g} s")

    def stop(self) -> None:
        # A stopped command has a few seconds in all (newsetl.common.interrupt): no graceful wait.
        terminate(self.process, timeout=1 if interrupt.stopping() else 5)
        interrupt.on_stop(self, None, hard_only=True)
        self.log.unlink(missing_ok=True)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-2000:].strip()
        except OSError:
            return ""


def start_early() -> TemporaryServer | None:
    """Start the temporary server and point this process's Prefect at it, unless an API is
    configured (then None). Call before Prefect is imported; `wait` on it before the first
    flow call."""
    if api_configured():
        return None
    server = TemporaryServer()
    os.environ["PREFECT_API_URL"] = server.api_url
    for name, value in CLIENT_ENV.items():
        os.environ.setdefault(name, value)
    return server
