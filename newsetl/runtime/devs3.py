"""A local S3 endpoint for the demo, a local `make serve`, the tests and the bench: moto's
standalone server as its own process on 127.0.0.1 and a free port, spoken to over HTTP like any
bucket."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.config import Config

from newsetl.common.localserver import free_port, terminate
from newsetl.common.settings import PROJECT_ROOT

# What `make demo` and a `make serve` with no source configured read and write. Their warehouse
# is their own: a warehouse refuses a source it has never seen, and `newsetl run` with no flags
# (source data/sample) writes the default warehouse/news.sqlite.
DEMO_BUCKET, DEMO_PREFIX = "news-raw", "incoming/"
DEMO_SOURCE = f"s3://{DEMO_BUCKET}/{DEMO_PREFIX}"
DEMO_DB = "warehouse/demo.sqlite"  # relative: inside the checkout (or a worker's directory)


class MotoServer:
    def __init__(self, port: int | None = None, env: dict[str, str] | None = None):
        self.port = port or free_port()
        self.env = env
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> MotoServer:
        exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
        self.process = subprocess.Popen(
            [exe, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(self.env or {})},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        terminate(self.process, timeout=10)

    def reset(self) -> None:
        """Forget every bucket: one server can serve many tests."""
        request = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def client(self):
        credentials = demo_credentials()
        return boto3.session.Session(
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            region_name=credentials["AWS_DEFAULT_REGION"],
        ).client(
            "s3",
            endpoint_url=self.url,
            config=Config(max_pool_connections=32, retries={"mode": "standard"}),
        )


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


def upload_dir(client, directory: Path, bucket: str, prefix: str, workers: int = 16) -> int:
    """Upload every file below `directory` as prefix + relative path; returns the count."""
    files = [p for p in sorted(directory.rglob("*")) if p.is_file()]

    def put(path: Path) -> None:
        key = prefix + path.relative_to(directory).as_posix()
        client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(put, files))
    return len(files)


def upload_sample(server: MotoServer) -> int:
    """Bucket news-raw with data/sample/ under incoming/ (DEMO_SOURCE); returns the count.
    moto's ETags are the content's MD5, so a new server's objects match the last one's."""
    client = server.client()
    client.create_bucket(Bucket=DEMO_BUCKET)
    return upload_dir(client, PROJECT_ROOT / "data" / "sample", DEMO_BUCKET, DEMO_PREFIX)


def demo_credentials() -> dict[str, str]:
    """moto accepts any key; these placeholders only keep boto3 from looking for real ones."""
    return {
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "moto-local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "moto-local"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    }
