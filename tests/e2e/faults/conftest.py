"""Fixtures of the fault-injection suite (issue 12): small buckets, the fault proxy, and the real
`newsetl` command run against the shared Prefect server, either to completion or in the
background to be killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, as_from_a_terminal
from tests.e2e.faults.invariants import TAG_VAR, kill_helpers, live_helpers
from tests.e2e.faults.s3proxy import S3Proxy

NEWSETL = Path(sys.executable).with_name("newsetl")
SAMPLES = sorted(SAMPLE.glob("*.txt"))


def article(i: int) -> bytes:
    """A real Kazakh or Russian article, different for every i (its own last paragraph)."""
    text = SAMPLES[i % len(SAMPLES)].read_text(encoding="utf-8").rstrip("\n")
    return f"{text}\nБұл мақаланың тіркеу нөмірі {i}: {uuid.uuid4().hex}.\n".encode()


@dataclass
class Bucket:
    name: str
    prefix: str
    objects: dict[str, bytes]  # key -> body, as uploaded by the test

    @property
    def source(self) -> str:
        return f"s3://{self.name}/{self.prefix}"

    def txt_keys(self) -> set[str]:
        return {key for key in self.objects if key.endswith(".txt")}


@pytest.fixture
def make_bucket(s3):
    """A fresh bucket of `n` articles under incoming/ (000.txt, 001.txt, ...), plus `extra`."""

    def make(n: int = 6, extra: dict[str, bytes] | None = None) -> Bucket:
        name = f"faults-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=name)
        bucket = Bucket(name, "incoming/", {})
        objects = {f"incoming/{i:03d}.txt": article(i) for i in range(n)}
        objects.update(extra or {})
        for key, body in objects.items():
            put(s3, bucket, key, body)
        return bucket

    return make


def put(s3, bucket: Bucket, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket.name, Key=key, Body=body)
    bucket.objects[key] = body


def delete(s3, bucket: Bucket, key: str) -> None:
    s3.delete_object(Bucket=bucket.name, Key=key)
    bucket.objects.pop(key, None)


@pytest.fixture
def proxy(moto) -> Iterator[S3Proxy]:
    with S3Proxy(moto.url) as running:
        yield running
    assert not running.errors, "the fault proxy failed:\n" + "\n".join(running.errors)


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float
    pipes_held: bool = False  # stdout/stderr still open after the process exited
    pid: int = 0
    tag: str = ""  # in the environment of every process the run started

    def __str__(self) -> str:
        return (
            f"exit {self.code} after {self.seconds:.1f} s\n"
            f"--- stdout\n{self.out}\n--- stderr\n{self.err}"
        )


@dataclass
class Warehouse:
    """A lake in a test's temporary folder, with the flags every run on it takes."""

    dir: Path
    reports: Path = field(init=False)

    def __post_init__(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.reports = self.dir.parent / "reports"

    @property
    def db(self) -> Path:
        return self.dir / "news.sqlite"

    @property
    def staging(self) -> Path:
        return self.dir / ".news.staging"

    def args(self, source: str, endpoint: str | None = None) -> list[str]:
        args = ["run", "--source", source, "--db", str(self.db)]
        args += ["--reports-dir", str(self.reports)]
        return args + (["--endpoint-url", endpoint] if endpoint else [])


@pytest.fixture
def lake(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse")


class Runner:
    """The real `newsetl` console script as a subprocess, with the shared Prefect server (or,
    with `prefect=False`, no API configured: the CLI then starts its own temporary server)."""

    def __init__(self, api_url: str, home: Path):
        self.api_url = api_url
        self.home = home
        self.spawned: list[tuple[subprocess.Popen, str]] = []

    def env(self, extra: dict[str, str] | None = None, prefect: bool = True) -> dict[str, str]:
        env = {**os.environ, "COLUMNS": "4000", "NEWSETL_PARSE_PROCESSES": "0"}
        env.pop("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", None)  # the CLI's own default
        if prefect:
            env["PREFECT_API_URL"] = self.api_url
        else:
            env.pop("PREFECT_API_URL", None)
            env["PREFECT_HOME"] = str(self.home)  # its own database, not ~/.prefect's
        env.update(extra or {})
        return env

    def __call__(
        self,
        *args: str,
        env: dict | None = None,
        prefect: bool = True,
        timeout: float = 300,
        prefix: list[str] | None = None,
        cwd: Path | None = None,
    ) -> Result:
        """Run to the end, in a process group of its own and tagged, so that whatever it leaves
        behind can be found and stopped. Its pipes are read until EOF, or for a few seconds
        after it exited when a leftover process still holds them (`Result.pipes_held`)."""
        started = time.monotonic()
        process, tag = self.spawn(*args, env=env, prefect=prefect, prefix=prefix, cwd=cwd)
        out, err, eof = read_to_eof(process, timeout, after_exit=PIPE_GRACE)
        try:  # EOF comes as the process exits, a moment before it can be reaped
            process.wait(timeout=max(1.0, timeout - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise AssertionError(
                f"newsetl {args[0]} did not finish in {timeout:g} s:\n{out}\n{err}"
            ) from None
        seconds = time.monotonic() - started
        return Result(process.returncode, out, err, seconds, not eof, process.pid, tag)

    def spawn(
        self,
        *args: str,
        env: dict | None = None,
        prefect: bool = True,
        prefix: list[str] | None = None,
        cwd: Path | None = None,
    ) -> tuple[subprocess.Popen, str]:
        """Start a run in a process group of its own (so that the test can kill the group
        without killing itself), its stdout and stderr on pipes; returns it and its tag."""
        tag = uuid.uuid4().hex
        process = subprocess.Popen(
            [*(prefix or []), str(NEWSETL), *args],
            env=self.env({**(env or {}), TAG_VAR: tag}, prefect),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            cwd=cwd,
            preexec_fn=as_from_a_terminal,
        )
        self.spawned.append((process, tag))
        return process, tag

    def cleanup(self) -> None:
        for process, tag in self.spawned:
            if process.poll() is None:
                process.kill()
            process.wait()
            kill_helpers(live_helpers(process.pid, tag))
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()


@pytest.fixture
def newsetl(prefect_api: str, tmp_path: Path) -> Iterator[Runner]:
    home = tmp_path / "prefect-home"
    home.mkdir()
    runner = Runner(prefect_api, home)
    yield runner
    runner.cleanup()


def kill(process: subprocess.Popen, group: bool) -> None:
    """SIGKILL to the run's process, or to its whole process group."""
    if group:
        os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()


class Checkpoint:
    """Stops a run at one named moment (newsetl.common.checkpoints) and holds it there.

    The FIFO is opened read-write and its buffer filled before the run starts: when the run gets
    to the moment, its open() returns at once and its write of the PID blocks, so the run stays
    frozen exactly there (checkpoints.reach would otherwise go on as soon as the PID is written,
    racing the test's kill, and at `loading` the next statement is COMMIT). The test sees the
    moment reached when a process of the run holds the FIFO open; `release()` drains the FIFO,
    which lets the run go on, and returns the PID it wrote."""

    def __init__(self, folder: Path, moment: str):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / moment
        os.mkfifo(self.path)
        self.fd: int | None = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        try:
            while True:
                os.write(self.fd, b"x" * 4096)
        except BlockingIOError:
            pass

    @property
    def env(self) -> dict[str, str]:
        return {"NEWSETL_CHECKPOINTS": str(self.folder)}

    def holder(self, tag: str) -> int | None:
        """The run's process that has the FIFO open, if any."""
        needle = f"{TAG_VAR}={tag}".encode()
        target = str(self.path)
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                if needle not in Path(f"/proc/{name}/environ").read_bytes().split(b"\0"):
                    continue
                for fd in os.listdir(f"/proc/{name}/fd"):
                    try:
                        if os.readlink(f"/proc/{name}/fd/{fd}") == target:
                            return int(name)
                    except OSError:
                        continue
            except OSError:
                continue
        return None

    def wait(self, process: subprocess.Popen, tag: str, timeout: float = 300) -> int:
        """Wait until the run is at the moment; returns the PID of the process there."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = self.holder(tag)
            if pid is not None:
                return pid
            if process.poll() is not None:
                out, err = process.communicate(timeout=30)
                raise AssertionError(
                    f"the run exited with {process.returncode} before reaching "
                    f"{self.path.name}:\n{out.decode(errors='replace')}\n"
                    f"{err.decode(errors='replace')}"
                )
            time.sleep(0.1)
        raise AssertionError(f"the run did not reach {self.path.name} within {timeout:g} s")

    def release(self, timeout: float = 60) -> int:
        """Let the run go on; returns the PID it wrote."""
        import select

        assert self.fd is not None
        data = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in data:
            if time.monotonic() > deadline:
                raise AssertionError("the run wrote no PID to the checkpoint")
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                with contextlib.suppress(BlockingIOError):
                    data += os.read(self.fd, 1 << 16)
        self.close()
        return int(data.replace(b"x", b"").split(b"\n")[0])

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


PIPE_GRACE = 10.0  # seconds a pipe may stay open after the process that owned it exited


def read_to_eof(
    process: subprocess.Popen, timeout: float, after_exit: float | None = None
) -> tuple[str, str, bool]:
    """Read the run's stdout and stderr pipes until both reach EOF, for at most `timeout`
    seconds (and at most `after_exit` seconds once the process has exited); returns what was
    read and whether both ended (no process still holds them)."""
    import selectors

    selector = selectors.DefaultSelector()
    chunks: dict[int, list[bytes]] = {}
    for stream in (process.stdout, process.stderr):
        assert stream is not None
        os.set_blocking(stream.fileno(), False)
        selector.register(stream, selectors.EVENT_READ)
        chunks[stream.fileno()] = []
    open_streams = 2
    deadline = time.monotonic() + timeout
    while open_streams and time.monotonic() < deadline:
        if after_exit is not None and process.poll() is not None:
            deadline = min(deadline, time.monotonic() + after_exit)
            after_exit = None
        for key, _ in selector.select(timeout=0.2):
            try:
                data = os.read(key.fd, 1 << 16)
            except BlockingIOError:
                continue
            if data:
                chunks[key.fd].append(data)
            else:
                selector.unregister(key.fileobj)
                open_streams -= 1
    selector.close()
    out = b"".join(chunks[process.stdout.fileno()]).decode(errors="replace")
    err = b"".join(chunks[process.stderr.fileno()]).decode(errors="replace")
    return out, err, open_streams == 0


def pytest_collection_modifyitems(items: list) -> None:
    """Every test under tests/e2e/faults/ carries the `faults` mark (`make faults` runs them)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)
