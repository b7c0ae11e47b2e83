"""The end-to-end bench: `python -m bench.run --n N [--bucket-n M] [--out FILE]`.

One corpus (bench/corpus.py), every step in its own fresh process (bench/measure.py), newsetl
set against the limits of the machine and the endpoint (raw read, raw fetch, list only), its own
fixed cost, and dlt as the peer; an hourly run of 200 new articles on top of two archive sizes,
warm search latency and the lake's size on disk after the full run. Writes a JSON record and
prints a table plus its markdown.

What is measured and how (details in bench/measure.py):
- wall: process start to exit, as a user would time the command (imports and Prefect start
  included); newsetl's own started/finished times from `ingest_runs` are shown as "flow".
- peak RSS: of the process started (for `newsetl run`, the flow process), from the kernel's
  high-water mark. Prefect's ephemeral API server and newsetl's parse workers are children of
  it: they are not in "RSS" but in "tree" (peak summed PSS of the process and all its
  descendants) and, per process, in the JSON.
- The corpus is written just before the runs, so every directory step reads from page cache.
- Hourly: an archive of A articles is loaded (a full run, shown too), then A + 200 files of the
  same corpus are in the directory and a second run loads the 200 new ones into the same lake;
  A is N/10 and 4N/10, at least 1,000 and 4,000, at most 10,000 and 40,000.
- Enrichment: `newsetl enrich` of the full run's lake (articles/s over its own time from
  `enrich_runs`), and bench/enrich_speed.py --hourly at the hourly pair's sizes (200 new
  articles enriched on each archive); `--only enrich` runs these with the full run alone.
- `--only directory` runs the directory throughput rows alone: the fixed cost (an empty
  source), the full run at N, and dlt's load of the same directory.
- Search and lake size are read from the full run's lake, each in its own process too. The first
  page of search (`search_articles(q, k := 20)`) is timed there after `newsetl maintain`, and
  on the lake of a full run at 4N (the N corpus and the next 3N files of the same corpus),
  maintained the same way: its time should not grow with N. The 4N ratio is timed with the two
  lakes taking turns, query by query, in one process. `--only search` runs these.
- Targets are reported, never enforced: the exit code is 0 unless a step could not be run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.corpus import CorpusStats, generate, upload
from bench.measure import SEARCH_TIMED, Measurement, measure
from newsetl.common.localserver import free_port
from newsetl.runtime.devs3 import MotoServer, moto_server, upload_dir

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUCKET, PREFIX = "bench", "corpus/"
# Placeholders moto accepts; set explicitly so that no real key in the environment is ever sent.
MOTO_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "moto-local",
    "AWS_SECRET_ACCESS_KEY": "moto-local",
    "AWS_DEFAULT_REGION": "us-east-1",
}
MB = 1024 * 1024
PACKAGES = (
    "newsetl",
    "prefect",
    "duckdb",
    "polars",
    "pyarrow",
    "great-expectations",
    "lingua-language-detector",
    "boto3",
    "moto",
    "dlt",
    "s3fs",
    "psutil",
)

# Targets (limits); their values are computed in `targets()`.
STEADY_MIN = 2_000.0  # articles/s, directory source, wall minus the fixed cost
DLT_DIR_MAX = 0.5  # newsetl wall / dlt wall, same directory
BUCKET_MAX = 1.25  # newsetl wall / raw fetch wall, same objects
INCREMENTAL_MAX = 1.2  # rerun wall / (list-only wall + fixed cost)
RSS_SCALE_MAX = 1.25  # peak RSS at 4x the articles / at 1x
FIXED_MAX = 12.0  # seconds, the aim for an empty run (ephemeral; the server run is shown too)
HOURLY_MAX = 1.15  # wall of 200 new on the large archive / on the small one
HOURLY_SERVER_MAX = 3.0  # the hourly run against a running Prefect server / dlt's append
HOURLY_EPHEMERAL_MAX = 5.0  # the hourly run with no server (the CLI starts one) / dlt's append
SAMPLE_MAX = 8.0  # seconds, `make demo`'s run: the five samples from a bucket, no server
SEARCH_MAX = 0.2  # seconds, the slowest query's warm median
SEARCH_PAGE_MAX = 0.1  # seconds, the slowest query's first page (20 rows), warm median
SEARCH_PAGE_SCALE_MAX = 1.2  # the first page at 4N / at N
ENRICH_MIN = 150.0  # articles/s, `newsetl enrich` of the full run's lake, its own time
ENRICH_HOURLY_MAX = 1.15  # 200 new enriched on the large archive / on the small one
STORAGE_MAX = 2.0  # the lake on disk / the corpus's raw bytes

HOURLY_NEW = 200  # articles an hourly run brings
ARCHIVE_MIN, ARCHIVE_MAX = 1_000, 10_000  # the small archive: N/10 within these; the large is 4x
# One Kazakh, one Russian word form, and one of each language in one query ("cooperation").
SEARCH_QUERIES = ("министр", "дипломатов", "ынтымақтастық сотрудничества")
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"  # what `make demo` loads
DB_NAME = "news.sqlite"  # a step's lake: this catalog, its data files in news.files/ beside it


def archive_size(n: int) -> int:
    """The small archive of the hourly pair: N/10, at least 1,000, at most 10,000."""
    return min(ARCHIVE_MAX, max(ARCHIVE_MIN, n // 10))


@dataclass
class Plan:
    n: int
    bucket_n: int
    seed: int
    scale_n: int  # the other size of the RSS scaling pair
    work: Path

    @property
    def archives(self) -> dict[str, int]:
        """Archive sizes of the hourly pair, by step suffix."""
        small = archive_size(self.n)
        return {"small": small, "large": 4 * small}

    @property
    def rss_pair(self) -> tuple[str, str]:
        """(step at 1x, step at 4x)."""
        if self.scale_n > self.n:
            return "newsetl dir", "newsetl dir scale"
        return "newsetl dir scale", "newsetl dir"


# --- environment ----------------------------------------------------------------------------


def base_env(work: Path) -> dict[str, str]:
    """What every step sees: placeholder AWS keys for moto, no real endpoint or profile, no
    Prefect API (ephemeral mode unless a step sets one), no telemetry, the bench's own homes."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PREFECT_API_URL", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN")
        and not k.startswith("NEWSETL_")
    }
    env.update(MOTO_CREDENTIALS)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PREFECT_HOME": str(work / "prefect-home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "RUNTIME__DLTHUB_TELEMETRY": "false",
            "DLT_DATA_DIR": str(work / "dlt-home"),
            "DO_NOT_TRACK": "1",
        }
    )
    return env


def step_dir(plan: Plan, name: str) -> Path:
    path = plan.work / "steps" / name.replace(" ", "-")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- steps ----------------------------------------------------------------------------------


def run_baseline(plan: Plan, name: str, *args: str) -> Measurement:
    cwd = step_dir(plan, name)
    command = [sys.executable, "-m", "bench.measure", *args]
    return measure(name, command, env=base_env(plan.work), cwd=cwd)


def run_enrich(plan: Plan, name: str, db: Path) -> Measurement:
    """`newsetl enrich` of a loaded lake as a user types it, then its own record from
    `enrich_runs` (articles, and its own seconds as "flow")."""
    command = [str(BIN / "newsetl"), "enrich", "--db", str(db)]
    started = datetime.now(UTC)
    result = measure(name, command, env=base_env(plan.work), cwd=step_dir(plan, name))
    result.result = last_enrichment(db, since=started)
    return result


def last_enrichment(db: Path, since: datetime) -> dict | None:
    import newsetl

    query = "SELECT articles, started_at, finished_at FROM enrich_runs ORDER BY started_at DESC"
    with newsetl.connect(str(db)) as con:
        row = con.execute(query).fetchone()
    if row is None or row[1] < since:
        return None
    seconds = (row[2] - row[1]).total_seconds()
    rate = row[0] / seconds if seconds > 0 else None
    return {"articles": row[0], "flow_seconds": round(seconds, 3), "articles_per_s": rate}


def run_enrich_hourly(plan: Plan) -> Measurement:
    """bench/enrich_speed.py --hourly at the hourly pair's archive sizes: each archive written
    and enriched whole, then 200 new articles enriched as the hourly run does, five times on
    each, the two lakes taking turns (the fastest of each counts)."""
    name = "enrich hourly"
    out = step_dir(plan, name) / "hourly.json"
    small, large = plan.archives.values()
    command = [sys.executable, "-m", "bench.enrich_speed", "--hourly", str(small), str(large)]
    command += ["--json", str(out)]
    result = measure(name, command, env=base_env(plan.work), cwd=step_dir(plan, name))
    result.result = json.loads(out.read_text()) if out.is_file() else None
    return result


def run_newsetl(
    plan: Plan,
    name: str,
    source: str,
    *,
    endpoint: str | None = None,
    db: Path | None = None,
    api_url: str | None = None,
) -> Measurement:
    """`newsetl run` as a user types it, then its own record from `ingest_runs`."""
    cwd = step_dir(plan, name)
    db = db or cwd / DB_NAME
    command = [str(BIN / "newsetl"), "run", "--source", source, "--db", str(db)]
    command += ["--reports-dir", str(cwd / "reports")]
    if endpoint:
        command += ["--endpoint-url", endpoint]
    env = base_env(plan.work)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    started = datetime.now(UTC)
    result = measure(name, command, env=env, cwd=cwd)
    result.result = last_run(db, since=started)
    return result


def last_run(db: Path, since: datetime | None = None) -> dict | None:
    """The newest `ingest_runs` row of a step's lake, read as a user would (`newsetl.connect`);
    None when no run started after `since` (a run with nothing to do records none)."""
    import duckdb

    import newsetl
    from newsetl.common.catalog import WarehouseError

    if not db.is_file():
        return None
    query = (
        "SELECT status, listed, unchanged, new, loaded, quarantined, warnings, message, "
        "snapshot_id, started_at, finished_at FROM ingest_runs ORDER BY started_at DESC LIMIT 1"
    )
    try:
        with newsetl.connect(str(db)) as con:
            relation = con.execute(query)
            row = relation.fetchone()
            names = [d[0] for d in relation.description]
    except (duckdb.Error, WarehouseError) as exc:
        return {"error": str(exc)}
    if row is None:
        return None
    record = dict(zip(names, row, strict=True))
    if since is not None and record["started_at"] < since:
        return None
    record["flow_seconds"] = round(
        (record.pop("finished_at") - record.pop("started_at")).total_seconds(), 3
    )
    return record


@contextmanager
def prefect_server(plan: Plan, timeout: float = 180.0) -> Iterator[str]:
    """A real `prefect server start` with its own home; yields PREFECT_API_URL, always stopped."""
    port = free_port()
    env = base_env(plan.work)
    env["PREFECT_HOME"] = str(plan.work / "prefect-server-home")
    log = open(plan.work / "prefect-server.log", "wb")  # noqa: SIM115 - closed in finally
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-ui", "--analytics-off"]
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_healthy(url, process, timeout)
        yield url
    finally:
        stop_group(process)
        log.close()


def wait_healthy(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server did not answer on {url} within {timeout:.0f} s")


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group we started, SIGKILL after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue


# --- the bench ------------------------------------------------------------------------------


def prepare(plan: Plan, only: str | None = None) -> dict[str, CorpusStats]:
    """The corpus at N, its first bucket-n files (the same articles), the scale size, and the
    two archives of the hourly pair (the 200 new files come just before their run); with
    `only` startup, the two archives alone; with `only` enrich, directory or search, the corpus
    at N alone."""
    corpora = {}
    sizes = [] if only == "startup" else [("dir", plan.n)]
    sizes += [] if only else [("bucket", plan.bucket_n), ("scale", plan.scale_n)]
    sizes += (
        []
        if only in ("enrich", "directory", "search")
        else [(f"archive-{w}", n) for w, n in plan.archives.items()]
    )
    for name, size in sizes:
        say(f"writing corpus {name}: {size:,} files")
        corpora[name] = generate(plan.work / f"corpus-{name}", size, plan.seed)
    if "dir" in corpora:
        exclude = plan.work / "non-utf8.json"
        exclude.write_text(json.dumps(sorted(corpora["dir"].non_utf8)))
    return corpora


def run_startup(plan: Plan, steps: dict[str, Measurement], extra: dict, with_dlt: bool) -> None:
    """`--only startup`: the rows a run's fixed cost decides, in minutes rather than the whole
    bench's hour: the hourly pair (with and without a server, and dlt's append) and the sample
    run of `make demo`. The same steps, in the same way, as in the whole bench."""
    record = recorder(steps)
    empty = plan.work / "empty"
    empty.mkdir()
    extra["warmup"] = run_newsetl(plan, "newsetl warmup", str(empty)).as_dict()
    with prefect_server(plan) as api_url:
        for which in plan.archives:
            run_hourly(plan, which, record, extra, api_url, with_dlt)
    with moto_server() as moto:
        upload(SAMPLE, moto_client(moto), BUCKET, "sample/")
        record(run_newsetl(plan, "newsetl sample", f"s3://{BUCKET}/sample/", endpoint=moto.url))


def run_enrichment(plan: Plan, record: Callable[[Measurement], None], lake: Path) -> None:
    """The enrichment of the full run's lake, then the hourly enrichment pair."""
    record(run_enrich(plan, "newsetl enrich", lake))
    record(run_enrich_hourly(plan))


def run_enrich_only(plan: Plan, steps: dict[str, Measurement], extra: dict, with_dlt: bool) -> None:
    """`--only enrich`: the full run at N, its enrichment, and the hourly enrichment pair."""
    record = recorder(steps)
    record(run_newsetl(plan, "newsetl dir", str(plan.work / "corpus-dir")))
    run_enrichment(plan, record, step_dir(plan, "newsetl dir") / DB_NAME)


def run_directory_only(
    plan: Plan, steps: dict[str, Measurement], extra: dict, with_dlt: bool
) -> None:
    """`--only directory`: the directory throughput rows (the fixed cost, the full run at N, and
    dlt's load of the same directory), as the whole bench runs them."""
    record = recorder(steps)
    corpus_dir = str(plan.work / "corpus-dir")
    empty = plan.work / "empty"
    empty.mkdir()
    extra["warmup"] = run_newsetl(plan, "newsetl warmup", str(empty)).as_dict()
    record(run_newsetl(plan, "newsetl empty", str(empty)))
    record(run_newsetl(plan, "newsetl dir", corpus_dir))
    if with_dlt:
        workdir = step_dir(plan, "dlt dir")
        dlt_db = str(workdir / "dlt.duckdb")
        record(run_baseline(plan, "dlt dir", "dlt", corpus_dir, dlt_db, str(workdir)))


def run_search_only(plan: Plan, steps: dict[str, Measurement], extra: dict, with_dlt: bool) -> None:
    """`--only search`: the full run at N, then the search rows as the whole bench runs them."""
    record = recorder(steps)
    corpus_dir = str(plan.work / "corpus-dir")
    empty = plan.work / "empty"
    empty.mkdir()
    extra["warmup"] = run_newsetl(plan, "newsetl warmup", str(empty)).as_dict()
    record(run_newsetl(plan, "newsetl dir", corpus_dir))
    lake = str(step_dir(plan, "newsetl dir") / DB_NAME)
    run_search(plan, record, extra, lake, corpus_dir)


def run_search(
    plan: Plan, record: Callable[[Measurement], None], extra: dict, lake: str, corpus_dir: str
) -> None:
    """Every row of the full run's lake (search, its size), then `newsetl maintain` of it (what
    the weekly deployment does: lists of common search terms cut, files merged) and the first
    page on it; then the same full run, maintenance and first page at 4N: the N corpus and the
    next 3N files of the same corpus, in a folder of their own."""
    record(run_baseline(plan, "search", "search", lake, *SEARCH_QUERIES))
    record(run_baseline(plan, "lake size", "lake-size", lake, corpus_dir))
    record(run_maintain(plan, "newsetl maintain", Path(lake)))
    record(run_baseline(plan, "search page", "search-page", lake, *SEARCH_QUERIES))
    big = corpus_times_four(plan, Path(corpus_dir))
    extra["corpus 4n"] = {"files": 4 * plan.n}
    record(run_newsetl(plan, "newsetl dir 4n", str(big)))
    lake_4n = step_dir(plan, "newsetl dir 4n") / DB_NAME
    record(run_maintain(plan, "newsetl maintain 4n", lake_4n))
    # The 4N lake's first page is timed together with the N lake's, the two taking turns.
    pair = ("search-page-pair", lake, str(lake_4n), *SEARCH_QUERIES)
    record(run_baseline(plan, "search page 4n", *pair))
    shutil.rmtree(big)


def corpus_times_four(plan: Plan, corpus_dir: Path) -> Path:
    """A corpus of 4N files: the N corpus's files, hard-linked, and files N..4N-1 written."""
    big = plan.work / "corpus-4n"
    for path in corpus_dir.rglob("*"):
        target = big / path.relative_to(corpus_dir)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    say(f"writing corpus 4n: {3 * plan.n:,} more files")
    generate(big, 4 * plan.n, plan.seed, start=plan.n)
    return big


def run_maintain(plan: Plan, name: str, db: Path) -> Measurement:
    """`newsetl maintain` of a lake as a user types it (the weekly deployment's retention); then
    the files it wrote are flushed to disk, so that their write-back does not share the cores
    with the queries timed next."""
    command = [str(BIN / "newsetl"), "maintain", "--db", str(db), "--retention-days", "30"]
    result = measure(name, command, env=base_env(plan.work), cwd=step_dir(plan, name))
    os.sync()
    return result


def recorder(steps: dict[str, Measurement]) -> Callable[[Measurement], None]:
    def record(m: Measurement) -> None:
        steps[m.name] = m
        say(f"{m.name}: {m.wall:.1f} s, rc {m.returncode}, RSS {m.rss_process / MB:.0f} MB")

    return record


def run_all(plan: Plan, steps: dict[str, Measurement], extra: dict, with_dlt: bool) -> None:
    """Every measured step, in an order that needs each server only once; fills `steps`."""
    corpus_dir = str(plan.work / "corpus-dir")
    empty = plan.work / "empty"
    empty.mkdir()
    record = recorder(steps)
    record(run_baseline(plan, "raw read", "raw-read", corpus_dir))
    non_utf8 = str(plan.work / "non-utf8.json")
    record(run_baseline(plan, "duckdb read_text", "duckdb-text", corpus_dir, non_utf8))
    record(run_baseline(plan, "duckdb read_blob", "duckdb-blob", corpus_dir))
    # Warm-up: the first ephemeral start in a new PREFECT_HOME migrates its database.
    extra["warmup"] = run_newsetl(plan, "newsetl warmup", str(empty)).as_dict()
    record(run_newsetl(plan, "newsetl empty", str(empty)))
    record(run_newsetl(plan, "newsetl dir", corpus_dir))
    lake = str(step_dir(plan, "newsetl dir") / DB_NAME)
    run_search(plan, record, extra, lake, corpus_dir)
    run_enrichment(plan, record, Path(lake))
    record(run_newsetl(plan, "newsetl dir scale", str(plan.work / "corpus-scale")))
    with prefect_server(plan) as api_url:
        for which in plan.archives:
            run_hourly(plan, which, record, extra, api_url, with_dlt)

    with moto_server() as moto:
        extra["upload_seconds"] = timed_upload(plan, moto)
        bucket_url = f"s3://{BUCKET}/{PREFIX}"
        record(run_baseline(plan, "raw fetch", "raw-fetch", BUCKET, PREFIX, moto.url))
        record(run_baseline(plan, "list only", "list-only", BUCKET, PREFIX, moto.url))
        record(run_newsetl(plan, "newsetl bucket", bucket_url, endpoint=moto.url))
        db = step_dir(plan, "newsetl bucket") / DB_NAME
        record(run_newsetl(plan, "newsetl incremental", bucket_url, endpoint=moto.url, db=db))
        # `make demo`'s run: the five samples from the endpoint into a new lake, no server.
        upload_dir(moto_client(moto), SAMPLE, BUCKET, "sample/")
        record(run_newsetl(plan, "newsetl sample", f"s3://{BUCKET}/sample/", endpoint=moto.url))
        if with_dlt:
            dlt_db = str(step_dir(plan, "dlt bucket") / "dlt.duckdb")
            workdir = str(step_dir(plan, "dlt bucket"))
            record(run_baseline(plan, "dlt bucket", "dlt", bucket_url, dlt_db, workdir, moto.url))

    with prefect_server(plan) as api_url:
        record(run_newsetl(plan, "newsetl empty server", str(empty), api_url=api_url))

    if with_dlt:
        workdir = step_dir(plan, "dlt dir")
        dlt_db = str(workdir / "dlt.duckdb")
        record(run_baseline(plan, "dlt dir", "dlt", corpus_dir, dlt_db, str(workdir)))


def run_hourly(
    plan: Plan,
    which: str,
    record: Callable[[Measurement], None],
    extra: dict,
    api_url: str,
    with_dlt: bool,
) -> None:
    """Load the archive (a full run), add the next 200 files of the same corpus to its
    directory, and run again into the same lake: the hourly run measured. On the small archive,
    200 more then come for a run against a running Prefect server, and dlt appends those same
    200 files to the DuckDB file of its own load of the archive (the peer of both)."""
    corpus = plan.work / f"corpus-archive-{which}"
    size = plan.archives[which]
    archive = f"newsetl archive {which}"
    record(run_newsetl(plan, archive, str(corpus)))
    new = generate(corpus, size + HOURLY_NEW, plan.seed, start=size)
    extra[f"hourly {which} new files"] = new.as_dict()
    db = step_dir(plan, archive) / DB_NAME
    record(run_newsetl(plan, f"newsetl hourly {which}", str(corpus), db=db))
    if which != "small":
        return
    peer = f"dlt hourly {which}"
    workdir = step_dir(plan, peer)
    dlt_db = str(workdir / "dlt.duckdb")
    if with_dlt:  # dlt's own archive, which the 200 below are appended to
        archived = run_baseline(plan, peer, "dlt", str(corpus), dlt_db, str(workdir))
        extra[f"dlt archive {which}"] = archived.as_dict()
    fresh = plan.work / f"hourly-new-{which}"  # the next 200 alone, for dlt
    for folder in (fresh, corpus):
        generate(folder, size + 2 * HOURLY_NEW, plan.seed, start=size + HOURLY_NEW)
    name = f"newsetl hourly {which} server"
    record(run_newsetl(plan, name, str(corpus), db=db, api_url=api_url))
    if with_dlt:
        record(run_baseline(plan, peer, "dlt-append", str(fresh), dlt_db, str(workdir)))


def moto_client(moto: MotoServer):
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=moto.url,
        aws_access_key_id=MOTO_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=MOTO_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=MOTO_CREDENTIALS["AWS_DEFAULT_REGION"],
        config=Config(max_pool_connections=32, retries={"mode": "standard"}),
    )


def timed_upload(plan: Plan, moto: MotoServer) -> float:
    started = time.perf_counter()
    count = upload(plan.work / "corpus-bucket", moto_client(moto), BUCKET, PREFIX, workers=32)
    seconds = round(time.perf_counter() - started, 2)
    say(f"uploaded {count:,} objects in {seconds:.1f} s")
    return seconds


# --- targets and report ---------------------------------------------------------------------


@dataclass
class Target:
    step: str
    name: str
    value: float | None
    limit: float
    higher_is_better: bool = False
    unit: str = ""
    digits: int = 2  # shown after the decimal point

    @property
    def ok(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    def describe(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        return f"{self.name} {sign} {self.limit:g}{self.unit}"


def succeeded(name: str, step: Measurement) -> bool:
    """Whether a step ended as it should: an empty listing fails the batch suite (exit 1)."""
    return step.returncode == (1 if "empty" in name else 0)


def done(steps: dict[str, Measurement], name: str) -> Measurement | None:
    """A step that ran and ended as it should; a failed run's figures are no result."""
    step = steps.get(name)
    return step if step is not None and succeeded(name, step) else None


def wall(steps: dict[str, Measurement], name: str) -> float | None:
    step = done(steps, name)
    return step.wall if step is not None else None


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def result_of(steps: dict[str, Measurement], name: str, key: str) -> float | None:
    """A figure from a step's own JSON line, None when the step failed or did not run."""
    step = done(steps, name)
    return step.result.get(key) if step is not None and step.result else None


def targets(plan: Plan, steps: dict[str, Measurement]) -> list[Target]:
    fixed = wall(steps, "newsetl empty")
    dir_wall = wall(steps, "newsetl dir")
    steady = None
    if fixed is not None and dir_wall is not None and dir_wall > fixed:
        steady = plan.n / (dir_wall - fixed)
    listing = wall(steps, "list only")
    floor = listing + fixed if listing is not None and fixed is not None else None
    small, large = (done(steps, name) for name in plan.rss_pair)
    rss = ratio(large.rss_process, small.rss_process) if small and large else None
    bucket = ratio(wall(steps, "newsetl bucket"), wall(steps, "raw fetch"))
    server = wall(steps, "newsetl empty server")
    hourly_peer = wall(steps, "dlt hourly small")
    return [
        Target("newsetl dir", "steady articles/s", steady, STEADY_MIN, higher_is_better=True),
        Target(
            "newsetl dir", "wall / dlt dir", ratio(dir_wall, wall(steps, "dlt dir")), DLT_DIR_MAX
        ),
        Target("newsetl bucket", "wall / raw fetch", bucket, BUCKET_MAX),
        Target(
            "newsetl incremental",
            "wall / (list only + fixed)",
            ratio(wall(steps, "newsetl incremental"), floor),
            INCREMENTAL_MAX,
        ),
        Target(plan.rss_pair[1], "RSS 4x / 1x", rss, RSS_SCALE_MAX),
        Target("newsetl empty", "fixed cost", fixed, FIXED_MAX, unit=" s"),
        Target("newsetl empty server", "fixed cost", server, FIXED_MAX, unit=" s"),
        Target(
            "newsetl hourly large",
            "wall / hourly on the small archive",
            ratio(wall(steps, "newsetl hourly large"), wall(steps, "newsetl hourly small")),
            HOURLY_MAX,
        ),
        Target(
            "newsetl hourly small server",
            "wall / dlt's append",
            ratio(wall(steps, "newsetl hourly small server"), hourly_peer),
            HOURLY_SERVER_MAX,
        ),
        Target(
            "newsetl hourly small",
            "wall / dlt's append",
            ratio(wall(steps, "newsetl hourly small"), hourly_peer),
            HOURLY_EPHEMERAL_MAX,
        ),
        Target(
            "newsetl sample",
            "make demo's run",
            wall(steps, "newsetl sample"),
            SAMPLE_MAX,
            unit=" s",
        ),
        Target(
            "search",
            "slowest query's median",
            result_of(steps, "search", "slowest_median"),
            SEARCH_MAX,
            unit=" s",
            digits=3,
        ),
        Target(
            "search page",
            "slowest first page's median",
            result_of(steps, "search page", "slowest_median"),
            SEARCH_PAGE_MAX,
            unit=" s",
            digits=3,
        ),
        Target(
            "search page 4n",
            "slowest first page at 4N / at N, timed in turns",
            result_of(steps, "search page 4n", "ratio"),
            SEARCH_PAGE_SCALE_MAX,
        ),
        Target("lake size", "lake / raw text", result_of(steps, "lake size", "ratio"), STORAGE_MAX),
        Target(
            "newsetl enrich",
            "articles/s, its own time",
            result_of(steps, "newsetl enrich", "articles_per_s"),
            ENRICH_MIN,
            higher_is_better=True,
            digits=1,
        ),
        Target(
            "enrich hourly",
            "large archive / small",
            result_of(steps, "enrich hourly", "ratio"),
            ENRICH_HOURLY_MAX,
        ),
    ]


def step_size(plan: Plan, name: str) -> int:
    if name.startswith("newsetl archive "):
        return plan.archives[name.rsplit(" ", 1)[1]]
    if name.startswith(("newsetl hourly ", "dlt hourly ")) or name == "enrich hourly":
        return HOURLY_NEW
    if name == "newsetl sample":
        return len(list(SAMPLE.glob("*.txt")))
    if "empty" in name:
        return 0
    if "bucket" in name or name in ("raw fetch", "list only", "newsetl incremental"):
        return plan.bucket_n
    if "scale" in name:
        return plan.scale_n
    if name.endswith(" 4n"):
        return 4 * plan.n
    return plan.n


STEP_ORDER = (
    "raw read",
    "duckdb read_text",
    "duckdb read_blob",
    "raw fetch",
    "list only",
    "newsetl empty",
    "newsetl empty server",
    "newsetl dir",
    "search",
    "lake size",
    "newsetl maintain",
    "search page",
    "newsetl dir 4n",
    "newsetl maintain 4n",
    "search page 4n",
    "newsetl enrich",
    "enrich hourly",
    "newsetl dir scale",
    "newsetl archive small",
    "newsetl hourly small",
    "newsetl hourly small server",
    "dlt hourly small",
    "newsetl archive large",
    "newsetl hourly large",
    "newsetl bucket",
    "newsetl incremental",
    "newsetl sample",
    "dlt dir",
    "dlt bucket",
)

LABELS = {
    "raw read": "raw read, directory (local limit)",
    "duckdb read_text": "DuckDB read_text, directory (UTF-8 files)",
    "duckdb read_blob": "DuckDB read_blob, directory",
    "raw fetch": "raw fetch, bucket, 32 threads (S3 limit)",
    "list only": "list only, bucket (ListObjectsV2)",
    "newsetl empty": "newsetl, empty source, ephemeral (fixed cost)",
    "newsetl empty server": "newsetl, empty source, running server",
    "newsetl dir": "newsetl full, directory",
    "newsetl dir scale": "newsetl full, directory (RSS scale)",
    "search": "search_articles via newsetl.connect, warm, 3 queries",
    "newsetl maintain": "newsetl maintain of the full run's lake (search lists cut, files merged)",
    "search page": "search_articles(q, k := 20): the first page after maintain, warm, 3 queries",
    "newsetl dir 4n": "newsetl full, directory of 4N files (the N corpus and the next 3N)",
    "newsetl maintain 4n": "newsetl maintain of the 4N run's lake",
    "search page 4n": "search_articles(q, k := 20) on the 4N run's lake, in turns with N's",
    "lake size": "lake on disk after the full run (catalog + data files)",
    "newsetl enrich": "newsetl enrich of the full run's lake (entities, stories, reprints)",
    "newsetl bucket": "newsetl full, bucket",
    "newsetl incremental": "newsetl incremental, bucket, nothing changed",
    "newsetl sample": "newsetl, the five samples from the bucket, new lake (make demo's run)",
    "dlt dir": "dlt filesystem → duckdb, directory",
    "dlt bucket": "dlt filesystem → duckdb, bucket",
}
# Not a pass over the articles: no articles/s.
NO_RATE = (
    "search",
    "search page",
    "search page 4n",
    "lake size",
    "enrich hourly",
    "newsetl maintain",
    "newsetl maintain 4n",
)


def label(plan: Plan, name: str, step: Measurement) -> str:
    """The row's label; the hourly rows say how their archive sizes follow from N."""
    which = name.rsplit(" ", 1)[-1]
    if name.startswith("newsetl archive "):
        how = (
            f"N/10, within {ARCHIVE_MIN:,}–{ARCHIVE_MAX:,}"
            if which == "small"
            else "4 × the small one"
        )
        return f"newsetl full, directory: archive of {plan.archives[which]:,} ({how})"
    if name.startswith("newsetl hourly "):
        which = name.split()[2]
        server = ", running server" if name.endswith(" server") else ", no server (ephemeral)"
        return f"newsetl hourly, {HOURLY_NEW} new on the {plan.archives[which]:,} archive{server}"
    if name.startswith("dlt hourly "):
        return f"dlt filesystem → duckdb, the same {HOURLY_NEW} new appended (hourly peer)"
    if name == "enrich hourly":
        small, large = plan.archives.values()
        found = step.result or {}
        times = " and ".join(f"{t:.2f} s" for t in found.get("hourly_seconds", []))
        return (
            f"enrichment of {HOURLY_NEW} new on lakes of {small:,} and {large:,} "
            f"(bench/enrich_speed.py --hourly){': ' + times if times else ''}"
        )
    result = step.result or {}
    if name.startswith("search") and "slowest" in result:
        slowest = result["slowest"]
        return f"{LABELS[name]}; slowest '{slowest}', {result['queries'][slowest]['rows']:,} rows"
    if name == "lake size" and result.get("raw_bytes"):
        return (
            f"{LABELS[name]}: {result['lake_bytes'] / MB:,.0f} MB in {result['data_files']:,} "
            f"files, raw text {result['raw_bytes'] / MB:,.0f} MB"
        )
    return LABELS[name]


def rows(plan: Plan, steps: dict[str, Measurement], goals: list[Target]) -> list[list[str]]:
    """One row per step; a step with several targets gets continuation rows."""
    table = []
    for name in STEP_ORDER:
        step = steps.get(name)
        if step is None:
            continue
        n = step_size(plan, name)
        rate = f"{n / step.wall:,.0f}" if n and step.wall and name not in NO_RATE else "–"
        rss = f"{step.rss_process / MB:,.0f}"
        if step.rss_tree > step.rss_process * 1.05:
            rss += f" ({step.rss_tree / MB:,.0f} tree)"
        status = "" if succeeded(name, step) else f" (exit {step.returncode})"
        flow = (step.result or {}).get("flow_seconds")
        flow_cell = "" if flow is None else f"{flow:,.1f}"
        cells = [label(plan, name, step) + status, f"{n:,}", f"{step.wall:,.1f}", flow_cell]
        cells += [rate, rss]
        mine = [g for g in goals if g.step == name] or [None]
        for index, goal in enumerate(mine):
            lead = cells if index == 0 else [""] * len(cells)
            table.append(lead + target_cells(goal))
    return table


def target_cells(goal: Target | None) -> list[str]:
    if goal is None:
        return ["", "", ""]
    value = "n/a" if goal.value is None else f"{goal.value:,.{goal.digits}f}{goal.unit}"
    verdict = {True: "✓", False: "✗", None: "?"}[goal.ok]
    return [goal.describe(), value, verdict]


RSS_NOTE = (
    'Peak RSS is the process started (for newsetl, the flow process); "tree" adds its '
    "descendants at their joint peak: Prefect's ephemeral API server and newsetl's parse worker "
    "processes. Wall is process start to exit. Flow is `finished_at - started_at` from "
    "`ingest_runs`: listing, fetch, parse (search postings included) and validation only "
    "(newsetl stamps finished_at before the load, one DuckLake snapshot, and Data Docs; imports "
    "and Prefect start are outside too). The corpus is in page cache. Hourly: a full run loads "
    f"the archive, then a run of the same directory with the next {HOURLY_NEW} files of the "
    "corpus added loads them into the same lake; the ratio compares the two hourly runs. Search: "
    f"each query once untimed, then {SEARCH_TIMED} times each, all rows fetched; the wall is the "
    "whole process; the 4N first page is timed with the N lake's, the two taking turns query by "
    "query. Lake size: the SQLite catalog plus the data folder beside it, file sizes "
    "summed, against the corpus's bytes. Enrich: `newsetl enrich` of the full run's lake; its "
    "flow is `finished_at - started_at` from `enrich_runs` (models loaded, read, linked, "
    "committed), and the target's articles/s is taken over it. Enrichment hourly: "
    "bench/enrich_speed.py writes lakes of the hourly pair's sizes, enriches each whole, then "
    f"enriches {HOURLY_NEW} new articles on each, in a new process each time, five times, the "
    "two lakes taking turns (the fastest of each counts); the ratio compares those."
)
HEADERS = [
    "step",
    "articles",
    "wall s",
    "flow s",
    "articles/s",
    "peak RSS MB",
    "target",
    "value",
    "ok",
]


def print_table(plan: Plan, table: list[list[str]], facts: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    title = f"newsetl bench: N={plan.n:,}, bucket-n={plan.bucket_n:,}, {facts['machine']}"
    out = Table(title=title, header_style="bold")
    for header in HEADERS:
        out.add_column(header, justify="left" if header in ("step", "target") else "right")
    for row in table:
        out.add_row(*row)
    # Piped output would otherwise be cut to 80 columns and wrap every cell.
    Console(width=None if sys.stdout.isatty() else 180).print(out)


def markdown(plan: Plan, table: list[list[str]], facts: dict) -> str:
    lines = [
        f"N = {plan.n:,} (bucket {plan.bucket_n:,}), {facts['machine']}, "
        f"Python {facts['python']}, {facts['date'][:10]}",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" if h in ("step", "target") else "---:" for h in HEADERS) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    lines += ["", RSS_NOTE]
    return "\n".join(lines)


def machine_facts() -> dict:
    import psutil

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    cores = os.cpu_count() or 0
    memory = psutil.virtual_memory().total
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_model": model,
        "cores": cores,
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores,
        "memory_bytes": memory,
        "machine": f"{cores} cores {model}, {memory / 1024**3:.0f} GiB",
        "load_average_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": {name: version_of(name) for name in PACKAGES},
        "commit": git_commit(),
    }


def version_of(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """Read-only: which commit the working tree is on (it may carry uncommitted edits)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    temporary.replace(path)


def check_bench_group(with_dlt: bool) -> None:
    """Fail in the first second, not after the corpus and the newsetl runs: a plain `uv sync`
    (which `make`'s venv rule runs whenever the lock changes) removes the bench group."""
    needed = ["psutil"] + (["dlt", "s3fs"] if with_dlt else [])
    missing = [name for name in needed if version_of(name) is None]
    if missing:
        sys.exit(
            f"bench: missing {', '.join(missing)}; install the bench group with "
            "`.venv/bin/uv sync --frozen --group bench --inexact` (or pass --no-dlt)"
        )


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="newsetl end-to-end bench")
    parser.add_argument("--n", type=int, default=100_000, help="articles in the directory corpus")
    parser.add_argument("--bucket-n", type=int, default=20_000, help="objects in the bucket")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out", type=Path, help="the JSON results (bench/results/latest.json, or startup.json)"
    )
    parser.add_argument("--no-dlt", action="store_true", help="skip the dlt peer steps")
    parser.add_argument(
        "--only",
        choices=("startup", "enrich", "directory", "search"),
        help="startup: the hourly pair and the sample run alone (a few minutes); enrich: the "
        "full run at N, its enrichment and the hourly enrichment pair; directory: the fixed "
        "cost, the full run at N and dlt's load of the same directory; search: the full run at N, "
        "its maintenance and the search rows",
    )
    args = parser.parse_args()
    if args.out is None:
        name = f"{args.only}.json" if args.only else "latest.json"
        args.out = ROOT / "bench" / "results" / name
    check_bench_group(with_dlt=not args.no_dlt)
    bucket_n = min(args.bucket_n, args.n)  # the bucket holds a prefix of the same corpus
    scale_n = args.n * 4 if args.n <= 25_000 else args.n // 4

    started = time.perf_counter()
    facts = machine_facts()
    work = Path(tempfile.mkdtemp(prefix="newsetl-bench-"))
    plan = Plan(args.n, bucket_n, args.seed, scale_n, work)
    steps: dict[str, Measurement] = {}
    extra: dict = {}
    corpora: dict[str, CorpusStats] = {}
    try:
        corpora.update(prepare(plan, only=args.only))
        run = {
            "startup": run_startup,
            "enrich": run_enrich_only,
            "directory": run_directory_only,
            "search": run_search_only,
        }.get(args.only, run_all)
        run(plan, steps, extra, with_dlt=not args.no_dlt)
    except Exception as exc:  # report what was measured, and why the rest is missing
        extra["error"] = f"{type(exc).__name__}: {exc}"
        say(f"bench stopped early: {extra['error']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    facts["load_average_end"] = os.getloadavg()
    goals = targets(plan, steps)
    table = rows(plan, steps, goals)
    total = round(time.perf_counter() - started, 1)
    write_json(
        args.out,
        {
            "facts": facts,
            "parameters": {
                "n": plan.n,
                "bucket_n": bucket_n,
                "seed": plan.seed,
                "scale_n": scale_n,
                "archives": plan.archives,
                "hourly_new": HOURLY_NEW,
                "search_queries": list(SEARCH_QUERIES),
            },
            "corpus": {name: stats.as_dict() for name, stats in corpora.items()},
            "steps": {name: step.as_dict() for name, step in steps.items()},
            "extra": extra,
            "targets": [{**goal.__dict__, "ok": goal.ok} for goal in goals],
            "rss_counted": RSS_NOTE,
            "total_seconds": total,
        },
    )
    print_table(plan, table, facts)
    print()
    print(markdown(plan, table, facts))
    say(f"whole bench: {total:.0f} s; JSON in {args.out}")
    if "error" in extra:
        sys.exit(1)


if __name__ == "__main__":
    main()
