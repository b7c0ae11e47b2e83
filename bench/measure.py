"""Measure one step in a fresh process, and the bench's baseline steps themselves.

`measure(command)` runs a command in its own session and reports its wall time and memory:

- `rss_process`: peak resident set of the process started (for `newsetl run` that is the flow
  process: the flow and its thread-pool tasks run in the CLI process), read as the kernel's
  per-process high-water mark (VmHWM in /proc/PID/status) every 20 ms until it exits.
- `rss_tree`: peak of the summed PSS of the process and all its descendants, every 200 ms
  (with Prefect's ephemeral mode this adds the API server subprocess that `newsetl run`
  starts, and newsetl's parse workers). PSS splits shared pages, so forks are not counted twice.
- `rss_children`: each descendant's own high-water mark, by command name.

`os.wait4`'s ru_maxrss is recorded but not used: Linux folds the spawning process's RSS into
the child's maxrss at exec (the old mm's high-water mark, even with vfork/posix_spawn), so a
10 MB child of a 500 MB parent reports 500 MB. VmHWM belongs to the new program's memory only.

`python -m bench.measure STEP ARGS...` runs one baseline step and prints a JSON line:
raw-read, duckdb-text, duckdb-blob, raw-fetch, list-only, dlt; and two that read newsetl's lake
after a run: search (warm `search_articles` latency through `newsetl.connect`, every row),
search-page (the same for the first page, `search_articles(q, k := 20)`), search-page-pair
(the first page on two lakes, taking turns) and lake-size.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

POLL_SECONDS = 0.02
CHILD_SCAN_EVERY = 10
FETCH_THREADS = 32


@dataclass
class Measurement:
    name: str
    command: list[str]
    returncode: int
    wall: float
    rss_process: int  # bytes
    rss_tree: int  # bytes
    rss_children: dict[str, int] = field(default_factory=dict)
    maxrss_wait4: int = 0
    result: dict | None = None  # the step's own JSON line, when it prints one
    stderr_tail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _status_kb(pid: int, field_name: str) -> int:
    """A `VmXXX:` line of /proc/PID/status in KiB, 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    """Proportional set size in KiB (shared pages split between their users), 0 when gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class _Sampler(threading.Thread):
    """Polls the process's VmHWM every 20 ms, and the whole tree's PSS every 200 ms; psutil
    finds the descendants (walking /proc costs more than reading one status file)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop_event = threading.Event()
        self.hwm_kb = 0
        self.tree_kb = 0
        self.children_kb: dict[int, tuple[str, int]] = {}

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        children: list = []
        tick = 0
        while not self.stop_event.is_set():
            self.hwm_kb = max(self.hwm_kb, _status_kb(self.pid, "VmHWM:"))
            if tick % CHILD_SCAN_EVERY == 0:
                with contextlib.suppress(psutil.Error):
                    children = root.children(recursive=True)
            if tick % CHILD_SCAN_EVERY == 0:
                self.tree_kb = max(self.tree_kb, self._tree_pss_kb(children))
            for child in children:
                self._child_peak(child)
            tick += 1
            self.stop_event.wait(POLL_SECONDS)

    def _tree_pss_kb(self, children: list) -> int:
        """PSS, not RSS: a forked child shares its parent's pages, and summing RSS would count
        them twice (a fork about to exec a helper briefly "doubles" the tree)."""
        return sum(_pss_kb(pid) for pid in [self.pid, *(c.pid for c in children)])

    def _child_peak(self, child) -> None:
        hwm = _status_kb(child.pid, "VmHWM:")
        name, previous = self.children_kb.get(child.pid, ("", 0))
        self.children_kb[child.pid] = (name or _name(child), max(previous, hwm))


def _name(process) -> str:
    try:
        cmdline = process.cmdline()
    except Exception:
        return "?"
    words = [Path(word).name for word in cmdline[:4]]
    return " ".join(words)[:80]


def measure(
    name: str,
    command: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 7200.0,
) -> Measurement:
    """Run `command` in a fresh session; on timeout or interrupt its whole group is killed."""
    log_dir = Path(cwd or ".")
    stdout_path, stderr_path = log_dir / f".{name}.stdout", log_dir / f".{name}.stderr"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True
        )
        sampler = _Sampler(process.pid)
        sampler.start()
        killer = threading.Timer(timeout, _kill_group, args=(process.pid,))
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            _kill_group(process.pid)
            process.wait()
            raise
        finally:
            killer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        sampler.stop_event.set()
        sampler.join()
        _kill_group(process.pid)  # leftovers (an orphaned server) must not outlive the step
    maxrss = usage.ru_maxrss * 1024
    # A process gone before the first poll has no VmHWM; its maxrss is an upper bound.
    rss_process = sampler.hwm_kb * 1024 or maxrss
    stdout = stdout_path.read_text(errors="replace")
    stderr = stderr_path.read_text(errors="replace")
    stdout_path.unlink(missing_ok=True)
    stderr_path.unlink(missing_ok=True)
    return Measurement(
        name=name,
        command=command,
        returncode=process.returncode,
        wall=round(wall, 3),
        rss_process=rss_process,
        rss_tree=max(sampler.tree_kb * 1024, rss_process),
        rss_children={f"{n} [{pid}]": kb * 1024 for pid, (n, kb) in sampler.children_kb.items()},
        maxrss_wait4=maxrss,
        result=_last_json(stdout),
        stderr_tail=stderr[-2000:] if process.returncode else "",
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _last_json(stdout: str) -> dict | None:
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


# --- baseline steps (run in the measured child) ---------------------------------------------


def raw_read(directory: str) -> dict:
    """Every file read into memory once, nothing else: the local limit."""
    count = size = 0
    for root, _, names in os.walk(directory):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                size += len(handle.read())
            count += 1
    return {"objects": count, "bytes": size}


def duckdb_text(directory: str, exclude_file: str) -> dict:
    """DuckDB's read_text over the same files. read_text refuses non-UTF-8 files (the PNG,
    UTF-16, cp1251 and KOI8-R hostile objects), so those are left out of its file list."""
    import duckdb

    exclude = set(json.loads(Path(exclude_file).read_text())) if exclude_file else set()
    root = Path(directory)
    paths = [
        os.path.join(r, n)
        for r, _, names in os.walk(root)
        for n in names
        if Path(os.path.join(r, n)).relative_to(root).as_posix() not in exclude
    ]
    with duckdb.connect() as con:
        count, chars = con.execute(
            "SELECT count(*), sum(length(content)) FROM read_text($files)", {"files": paths}
        ).fetchone()
    return {"objects": count, "chars": int(chars or 0), "excluded": len(exclude)}


def duckdb_blob(directory: str) -> dict:
    """DuckDB's read_blob over every file (no UTF-8 check, so nothing is left out)."""
    import duckdb

    pattern = os.path.join(directory, "**", "*")
    with duckdb.connect() as con:
        count, size = con.execute(
            "SELECT count(*), sum(octet_length(content)) FROM read_blob(?)", [pattern]
        ).fetchone()
    return {"objects": count, "bytes": int(size or 0)}


def _s3_client(endpoint: str, connections: int = FETCH_THREADS):
    import boto3
    from botocore.config import Config

    config = Config(max_pool_connections=connections, retries={"mode": "standard"})
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


def _list_keys(client, bucket: str, prefix: str) -> tuple[list[str], int]:
    keys, pages = [], 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        pages += 1
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys, pages


def list_only(bucket: str, prefix: str, endpoint: str) -> dict:
    """ListObjectsV2 pages only: the least an incremental run must do."""
    keys, pages = _list_keys(_s3_client(endpoint), bucket, prefix)
    return {"objects": len(keys), "pages": pages}


def raw_fetch(bucket: str, prefix: str, endpoint: str) -> dict:
    """List, then GET every object with 32 threads, nothing else: the S3 limit here."""
    client = _s3_client(endpoint)
    keys, pages = _list_keys(client, bucket, prefix)

    def get(key: str) -> int:
        return len(client.get_object(Bucket=bucket, Key=key)["Body"].read())

    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        size = sum(pool.map(get, keys))
    return {"objects": len(keys), "pages": pages, "bytes": size}


def dlt_load(
    source: str, db: str, workdir: str, endpoint: str = "", disposition: str = "replace"
) -> dict:
    """dlt's filesystem source into its duckdb destination, one row per file with its text.

    The idiomatic pipeline: `filesystem()` lists pages of 100 files, a transformer reads each
    file with `FileItemDict.read_bytes()` and returns {file_url, relative_path, size, content}
    rows. The transformer is `parallelized` (dlt's documented switch for I/O-bound steps: pages
    are read on its extract thread pool, 5 threads by default), so the peer is not held back by
    one GET at a time; normalise and load keep dlt's defaults (insert_values files for duckdb)."""
    import dlt
    from dlt.sources.filesystem import filesystem

    # Quirk: an explicit `credentials=None` for a local path fails config resolution with a
    # misleading "missing local_dir" error, so the argument is only passed for S3.
    options: dict = {}
    if source.startswith("s3://"):
        from dlt.sources.credentials import AwsCredentials

        options["credentials"] = AwsCredentials(
            aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            endpoint_url=endpoint,
        )

    @dlt.transformer(name="raw_articles", parallelized=True)
    def read_text(items):
        return [
            {
                "file_url": item["file_url"],
                "relative_path": item["relative_path"],
                "size": item["size_in_bytes"],
                # Hostile files are not UTF-8; replace like any tolerant text loader would.
                # NUL is dropped: the UTF-16 file would otherwise be mostly NULs.
                "content": item.read_bytes().decode("utf-8", errors="replace").replace("\0", ""),
            }
            for item in items
        ]

    files = filesystem(bucket_url=source, file_glob="**/*.txt", **options)
    pipeline = dlt.pipeline(
        pipeline_name="bench_raw",
        destination=dlt.destinations.duckdb(db),
        dataset_name="raw",
        pipelines_dir=os.path.join(workdir, "pipelines"),
    )
    info = pipeline.run(files | read_text, write_disposition=disposition)
    with pipeline.sql_client() as client:
        count = client.execute_sql("SELECT count(*) FROM raw_articles")[0][0]
    return {"objects": int(count), "loads": len(info.loads_ids)}


# --- reading newsetl's lake (run in the measured child) ----------------------------------------

SEARCH_TIMED = 5  # timed runs of each query after one untimed; the median is the figure
SEARCH_PAGE = 20  # rows of the first page


def search_page(catalog: str, *queries: str) -> dict:
    """`search`, asking for the first page only: `search_articles(q, k := 20)`."""
    return search(catalog, *queries, page=SEARCH_PAGE)


def search(catalog: str, *queries: str, page: int = 0) -> dict:
    """Warm latency of `SELECT * FROM search_articles(q)` through `newsetl.connect`, as an
    analyst's notebook queries the lake: every query run once untimed, then each five times in
    turn (all rows fetched); per query the median, and the slowest median of them all."""
    return _search({"lake": catalog}, queries, page)["lake"]


def search_page_pair(small: str, large: str, *queries: str) -> dict:
    """`search_page` on two lakes (the runs at N and at 4N) at once, the lakes taking turns
    query by query, so that a drift of the machine's speed weighs on both alike: the larger
    lake's figures, the smaller's as `at_n`, and the ratio of their slowest medians."""
    both = _search({"small": small, "large": large}, queries, SEARCH_PAGE)
    ratio = both["large"]["slowest_median"] / max(both["small"]["slowest_median"], 1e-9)
    return {**both["large"], "at_n": both["small"], "ratio": round(ratio, 3)}


def _search(catalogs: dict[str, str], queries: tuple[str, ...], page: int) -> dict[str, dict]:
    import newsetl

    limit = f", k := {int(page)}" if page else ""
    cons, connect_seconds = {}, {}

    def run(con, query: str) -> tuple[float, int]:
        sql = "SELECT * FROM search_articles('{}'{})".format(query.replace("'", "''"), limit)
        clock = time.perf_counter()
        rows = con.execute(sql).fetchall()
        return time.perf_counter() - clock, len(rows)

    try:
        for name, catalog in catalogs.items():
            started = time.perf_counter()
            cons[name] = newsetl.connect(catalog)
            connect_seconds[name] = time.perf_counter() - started
        first = {(name, query): run(cons[name], query)[0] for name in cons for query in queries}
        timed: dict[tuple[str, str], list[float]] = {key: [] for key in first}
        hits: dict[tuple[str, str], int] = {}
        for _ in range(SEARCH_TIMED):
            for query in queries:
                for name, con in cons.items():
                    seconds, hits[name, query] = run(con, query)
                    timed[name, query].append(seconds)
    finally:
        for con in cons.values():
            con.close()
    out = {}
    for name in catalogs:
        per_query = {
            query: {
                "first": round(first[name, query], 4),
                "median": round(statistics.median(timed[name, query]), 4),
                "runs": [round(seconds, 4) for seconds in timed[name, query]],
                "rows": hits[name, query],
            }
            for query in queries
        }
        slowest = max(queries, key=lambda query: per_query[query]["median"])
        out[name] = {
            "queries": per_query,
            "slowest": slowest,
            "slowest_median": per_query[slowest]["median"],
            "connect_seconds": round(connect_seconds[name], 3),
        }
    return out


def _tree_bytes(path: Path) -> tuple[int, int]:
    """(files, summed sizes) below `path`, as `du --apparent-size -b` counts them."""
    count = size = 0
    for root, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                size += os.lstat(os.path.join(root, name)).st_size
                count += 1
    return count, size


def lake_size(catalog: str, corpus: str) -> dict:
    """The lake on disk (the SQLite catalog with its write-ahead log or journal, and the data
    folder `<stem>.files/` beside it) against the raw bytes of the corpus it was loaded from.
    Staging, spill and lock files are not the lake and are left out, and so is SQLite's `-shm`
    (an index of the log in shared memory, which any reader creates)."""
    path = Path(catalog)
    catalog_bytes = sum(
        sidecar.stat().st_size
        for sidecar in (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
        if sidecar.is_file()
    )
    data_files, data_bytes = _tree_bytes(path.with_name(f"{path.stem}.files"))
    raw_files, raw_bytes = _tree_bytes(Path(corpus))
    lake = catalog_bytes + data_bytes
    return {
        "catalog_bytes": catalog_bytes,
        "data_files": data_files,
        "data_bytes": data_bytes,
        "lake_bytes": lake,
        "raw_files": raw_files,
        "raw_bytes": raw_bytes,
        "ratio": round(lake / raw_bytes, 4) if raw_bytes else None,
    }


STEPS = {
    "raw-read": raw_read,
    "duckdb-text": duckdb_text,
    "duckdb-blob": duckdb_blob,
    "list-only": list_only,
    "raw-fetch": raw_fetch,
    "dlt": dlt_load,
    # The hourly peer: the new files appended to the DuckDB file of an earlier load.
    "dlt-append": lambda source, db, workdir: dlt_load(source, db, workdir, "", "append"),
    "search": search,
    "search-page": search_page,
    "search-page-pair": search_page_pair,
    "lake-size": lake_size,
}


def main() -> None:
    step, *args = sys.argv[1:]
    started = time.perf_counter()
    result = STEPS[step](*args)
    result["inner_seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
