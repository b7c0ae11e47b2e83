"""`make serve` (`python -m newsetl.runtime.serve`): the scheduled pipeline on a local Prefect
server.

One command starts `prefect server start` on 127.0.0.1 (port 4200 when free) with its SQLite
database under PREFECT_HOME (the project's `.prefect/` unless set), creates the `newsetl`
process work pool, deploys everything in prefect.yaml and starts a worker in this checkout.
With no source configured (neither NEWSETL_SOURCE nor NEWSETL_ENDPOINT_URL, nor their Prefect
Variables), it first starts a local S3 endpoint (moto) holding the sample, as `make demo` does,
and points the deployments at it and at the demo's lake, warehouse/demo.sqlite.
Ctrl-C (or SIGTERM) stops what it started: the worker, moto, the server. tests/test_serve.py
and tests/test_deployments.py drive the same pieces on free ports.

`first_set` is the deploy-time step prefect.yaml uses for parameter defaults.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsetl.common.catalog import refuse_password
from newsetl.common.localserver import answers, free_port
from newsetl.common.settings import PROJECT_ROOT
from newsetl.runtime.devs3 import DEMO_DB, DEMO_SOURCE, MotoServer, demo_credentials, upload_sample

POOL = "newsetl"
DEFAULT_PORT = 4200


def first_set(**candidates: Sequence[Any]) -> dict[str, Any]:
    """prefect.yaml build step: for each name, its first candidate that is neither "" nor None.

    Prefect's deploy-time templating has no defaults: an unset `{{ $VAR }}` or a missing
    `{{ prefect.variables.NAME }}` renders as "". The outputs are referenced as
    `{{ <step id>.<name> }}`; a name with no value set becomes None (the flow's `None`)."""
    chosen = {
        name: next((value for value in values if value not in ("", None)), None)
        for name, values in candidates.items()
    }
    if chosen.get("db"):
        refuse_password(chosen["db"])  # a deployment's parameters live in Prefect's database
    return chosen


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or PROJECT_ROOT / ".prefect").resolve()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def prefect_env(api_url: str, home: Path, extra: Mapping[str, str] | None = None) -> dict:
    """The environment of every child: this server's API, this home, and PWD set to the
    checkout, because prefect.yaml's pull step reads the worker's $PWD (a subprocess started
    with `cwd=` would otherwise inherit the caller's stale PWD)."""
    env = {**os.environ, **(extra or {})}
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PWD=str(PROJECT_ROOT),
    )
    env.pop("PREFECT_API_KEY", None)  # a Cloud key in the caller's shell means nothing here
    return env


def stop_process(process: subprocess.Popen | None, timeout: float = 20.0) -> None:
    """Stop a child started with `start_new_session=True` and everything it spawned (flow runs,
    server workers): SIGTERM to its process group, SIGKILL after `timeout`."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def prefect_command(*args: str) -> list[str]:
    """The venv's own `prefect` console script, whatever PATH says."""
    return [str(Path(sys.executable).with_name("prefect")), *args]


class PrefectServer:
    """`prefect server start` as a child process, bound to 127.0.0.1."""

    def __init__(
        self,
        home: Path,
        port: int | None = None,
        log: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.home = home
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_url = f"{self.url}/api"
        self.log = log or home / "server.log"
        self.env = prefect_env(self.api_url, home, env)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        command = prefect_command("server", "start", "--host", "127.0.0.1")
        command += ["--port", str(self.port)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.home,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"prefect server exited with {self.process.returncode}; see {self.log}"
                )
            if self.healthy():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"prefect server not healthy on {self.url} after {timeout:g} s")

    def healthy(self) -> bool:
        return answers(f"{self.api_url}/health")

    def stop(self) -> None:
        stop_process(self.process)


def prefect(
    *args: str,
    env: Mapping[str, str],
    timeout: float = 300.0,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run a prefect CLI command in the checkout; output is kept for the error message."""
    result = subprocess.run(
        prefect_command(*args),
        cwd=PROJECT_ROOT,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"`prefect {' '.join(args)}` exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result


def ensure_pool(env: Mapping[str, str]) -> bool:
    """Create the process work pool unless it exists (its settings are then left alone).
    Returns whether it was created."""
    if prefect("work-pool", "inspect", POOL, env=env, check=False).returncode == 0:
        return False
    prefect("work-pool", "create", POOL, "--type", "process", env=env)
    return True


def deploy(env: Mapping[str, str], timeout: float = 300.0) -> str:
    """`prefect --no-prompt deploy --all`: every deployment in prefect.yaml, parameters
    resolved from this environment and the server's Variables."""
    return prefect("--no-prompt", "deploy", "--all", env=env, timeout=timeout).stdout


def start_worker(
    env: Mapping[str, str], *args: str, cwd: Path = PROJECT_ROOT, **popen: Any
) -> subprocess.Popen:
    """A process worker for the pool, started in the checkout (see prefect.yaml's pull step):
    runs work in `cwd`, which must hold the entrypoints (flows/)."""
    return subprocess.Popen(
        prefect_command("worker", "start", "--pool", POOL, *args),
        cwd=cwd,
        env={**env, "PWD": str(cwd)},
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        **popen,
    )


def variable(api_url: str, name: str) -> str | None:
    """A Prefect Variable's value, None when it is not set (or set to "", as prefect.yaml's
    fallbacks read it)."""
    url = f"{api_url}/variables/name/{urllib.parse.quote(name)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            value = json.load(response).get("value")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise RuntimeError(f"cannot read Prefect Variable {name}: HTTP {exc.code}") from None
    return None if value in ("", None) else str(value)


def source_configured(env: Mapping[str, str], api_url: str) -> bool:
    """Whether the deployments have a source of their own: NEWSETL_SOURCE or
    NEWSETL_ENDPOINT_URL in the environment, or the Prefect Variables prefect.yaml falls back
    to. Without one they would read s3://news-raw/incoming/ from AWS itself."""
    return any(env.get(f"NEWSETL_{name.upper()}") for name in ("source", "endpoint_url")) or any(
        variable(api_url, f"newsetl_{name}") for name in ("source", "endpoint_url")
    )


def local_source_env(s3: MotoServer, env: Mapping[str, str]) -> dict[str, str]:
    """The environment that deploys against a local endpoint holding the sample, into the
    demo's lake (unless NEWSETL_DB says otherwise), and gives the worker moto's placeholder
    credentials (any real ones in the environment are kept, as the demo does)."""
    return {
        "NEWSETL_SOURCE": DEMO_SOURCE,
        "NEWSETL_ENDPOINT_URL": s3.url,
        "NEWSETL_DB": env.get("NEWSETL_DB") or DEMO_DB,
        **demo_credentials(),
    }


@dataclass
class Pipeline:
    env: dict[str, str]  # what deployed, and what the worker runs with
    worker: subprocess.Popen
    s3: MotoServer | None  # the local endpoint, when no source is configured


@contextlib.contextmanager
def pipeline(
    server_env: Mapping[str, str],
    api_url: str,
    cwd: Path = PROJECT_ROOT,
    **popen: Any,
) -> Iterator[Pipeline]:
    """On a healthy Prefect server: a local S3 endpoint with the sample when no source is
    configured, the work pool, every deployment in prefect.yaml, and a worker running work in
    `cwd`. On exit the worker is stopped, then the endpoint."""
    env = dict(server_env)
    with contextlib.ExitStack() as stack:
        s3 = None
        if not source_configured(env, api_url):
            s3 = MotoServer().start()
            stack.callback(s3.stop)
            count = upload_sample(s3)
            env.update(local_source_env(s3, env))
            print(
                f"no NEWSETL_SOURCE: local S3 endpoint (moto) at {s3.url} with {count} sample "
                f"objects at {DEMO_SOURCE}; warehouse {env['NEWSETL_DB']}",
                flush=True,
            )
        if ensure_pool(env):
            print(f"created process work pool {POOL!r}", flush=True)
        started = time.monotonic()
        deploy(env)
        print(f"deployed prefect.yaml in {time.monotonic() - started:.1f} s", flush=True)
        worker = start_worker(env, cwd=cwd, **popen)
        stack.callback(stop_process, worker)
        yield Pipeline(env, worker, s3)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m newsetl.runtime.serve", description=__doc__)
    parser.add_argument("--port", type=int, help="default: 4200 when free, else any free port")
    options = parser.parse_args(argv)
    port = options.port or (DEFAULT_PORT if port_is_free(DEFAULT_PORT) else free_port())
    home = prefect_home()
    server = PrefectServer(home, port)
    # Before any child starts: children then begin with default handlers (a SIGINT ignored by
    # a non-interactive parent shell would otherwise stay ignored, and Prefect's worker turns
    # SIGTERM into SIGINT).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_interrupt)
    with contextlib.ExitStack() as stack:
        try:
            print(
                f"starting Prefect server on {server.url} (PREFECT_HOME={home}, log {server.log})"
            )
            started = time.monotonic()
            stack.callback(server.stop)
            server.start()
            print(f"server healthy after {time.monotonic() - started:.1f} s")
            served = stack.enter_context(pipeline(server.env, server.api_url))
            print(
                f"\nPrefect UI: {server.url}\n"
                f"other shells: export PREFECT_API_URL={server.api_url}\n"
                "Ctrl-C stops the worker, the local endpoint and the server.\n",
                flush=True,
            )
            children = {"server": server.process, "worker": served.worker}
            if served.s3 is not None:
                children["local S3 endpoint"] = served.s3.process
            while True:
                for name, process in children.items():
                    if process is not None and process.poll() is not None:
                        print(f"{name} exited with {process.returncode}", file=sys.stderr)
                        return 1
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nstopping what serve started")
            return 0
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            print(f"newsetl serve: {exc}", file=sys.stderr)
            return 1
        finally:
            # A second Ctrl-C must not orphan them; the stack then stops the worker, the
            # endpoint and the server, in that order.
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
