"""Where a run's time goes: `python -m bench.profile [--n N] [--source dir|bucket]`.

One full `newsetl run` over a fresh bench corpus (bench/corpus.py), recorded by py-spy in every
process it starts: the flow process, Prefect's temporary API server, the GX process and the parse
workers. It prints and writes two tables (markdown, `bench/results/profile-<source>.md`):

- the run's wall time by phase, from the flow's own log lines (the load logs its own seconds:
  one DuckLake snapshot with the rows and the search postings the parse workers built);
- CPU seconds by process and by what the code was doing (py-spy's samples, folded by the rules in
  `CATEGORIES`).

The collapsed stacks are kept beside it (`profile-<source>.folded`, not committed): open them in
speedscope or flamegraph.pl for the whole picture. On two cores py-spy's own sampling costs a few
percent, so the wall times here run a little above `make bench`'s.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.corpus import generate, upload
from bench.run import BUCKET, MOTO_CREDENTIALS, PREFIX, base_env, moto_client
from newsetl.runtime.devs3 import MotoServer

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Samples a second per process: enough for phases of a second. py-spy reads every thread's stack
# each time, so a bucket run with 64 fetching threads is sampled more slowly (`--rate`).
RATE = 50

# What a sample was doing: the first rule whose marker is in its stack wins, so the more specific
# rules come first. Markers are file paths as py-spy prints them.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("start-up: imports", ("_find_and_load",)),
    ("load: one DuckLake snapshot", ("newsetl/lake/", "tasks/state.py", "tasks/load.py")),
    (
        "parse: search postings (tokens, stems)",
        (
            "newsetl/search/index.py",
            "newsetl/search/tokens.py",
            "newsetl/search/kazakh.py",
            "snowballstemmer/",
        ),
    ),
    ("parse: language detection (lingua)", ("newsetl/parse/language.py",)),
    (
        "parse: decode, layout, dates",
        (
            "newsetl/parse/article.py",
            "newsetl/parse/head.py",
            "newsetl/parse/dateline.py",
            "newsetl/parse/decode.py",
            "newsetl/parse/text.py",
            "newsetl/parse/dates.py",
        ),
    ),
    ("fetch: S3 client", ("botocore/", "boto3/", "urllib3/")),
    ("fetch: listing and file reads", ("newsetl/source/",)),
    ("chunk: rows, frames, Parquet", ("newsetl/parse/chunk.py", "newsetl/parse/rows.py")),
    ("validation (GX)", ("great_expectations/", "newsetl/quality")),
    ("Prefect API server: database migrations", ("do_run_migrations", "alembic/")),
    (
        "Prefect API server",
        ("prefect/server/", "uvicorn/", "starlette/", "fastapi/", "sqlalchemy/", "aiosqlite/"),
    ),
    ("Prefect client, logs, events", ("prefect/",)),
    ("CLI and summary", ("newsetl/cli/", "newsetl/quality/summary.py", "rich/")),
]
IDLE = "waiting (not counted)"
# py-spy counts some blocked threads as active; a sample whose innermost frame is one of these
# waits was idle (a pool thread waiting for work, an event loop in select, a lock or a pipe).
WAITS = (
    "_worker (concurrent/futures/thread.py",
    "Condition.wait (",
    "Event.wait (",
    "(queue.py:",
    "(selectors.py:",
    "_wait_for_tstate_lock (",
    "Connection._recv (",
    "Thread.join (",
    "readinto (socket.py:",  # a GET waiting for its response
)

# Which process a sample is in: the command line of its innermost `process PID:"…"` frame.
PROCESS_FRAME = re.compile(r'process (\d+):"([^"]*)"')

LOG_LINE = re.compile(
    r"^(\d\d:\d\d:\d\d\.\d+) \| \w+ +\| (Flow|Task) run '([^']+)' - (.*)$", re.MULTILINE
)
# tasks/load.py: `run <id> written to <catalog> (<status>) as snapshot <n>; load <seconds> s`
LOAD_LINE = re.compile(r"written to .* \(\w+\) as snapshot (\d+); load ([\d.]+) s")


@dataclass
class Profile:
    source: str
    articles: int
    wall: float
    phases: list[tuple[str, float, float]]  # (phase, ends at, took), seconds from start
    load: dict[str, float]  # {"load": seconds, "snapshot": id}, from the load's log line
    cpu: dict[str, Counter[str]] = field(default_factory=dict)  # role -> category -> seconds
    processes: Counter[str] = field(default_factory=Counter)  # role -> how many pids
    endpoint_cpu: float | None = None  # the moto server's CPU seconds during the run
    process_cpu: dict[str, float] = field(default_factory=dict)  # role -> CPU s, from /proc
    rate: int = RATE


def fold(raw: str, rate: int = RATE) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """CPU seconds by process role and category, from py-spy's collapsed stacks."""
    by_pid: dict[str, Counter[str]] = defaultdict(Counter)
    commands: dict[str, str] = {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = PROCESS_FRAME.findall(stack)
        if not frames or not count.isdigit():
            continue
        pid, command = frames[-1]
        commands[pid] = command
        by_pid[pid][category(stack)] += int(count)
    cpu: dict[str, Counter[str]] = defaultdict(Counter)
    processes: Counter[str] = Counter()
    for pid, counts in by_pid.items():
        role = role_of(commands[pid])
        processes[role] += 1
        for name, samples in counts.items():
            cpu[role][name] += samples / rate
    return dict(cpu), processes


def role_of(command: str) -> str:
    """Which process a command line is; the GX process is the run's one spawned process."""
    if "uvicorn" in command:
        return "Prefect API server"
    if "resource_tracker" in command:
        return "resource tracker"
    if "forkserver" in command:  # the fork server and the parse workers forked from it
        return "parse workers"
    if "spawn_main" in command:
        return "GX process"
    return "flow process"


def category(stack: str) -> str:
    frames = stack.rsplit('"', 1)[-1]
    if ";" not in frames:
        return "no Python frame (interpreter start and exit)"
    if any(wait in frames.rsplit(";", 1)[-1] for wait in WAITS):
        return IDLE
    for name, markers in CATEGORIES:
        if any(marker in stack for marker in markers):
            return name
    return "other"


def phases(log: str, started: datetime) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    """(phase, ends at, took) from the flow's log: each task's last `Finished` line, in order;
    chunks of fetch-and-parse overlap, so that phase runs to its last chunk. Also the load's own
    seconds and the snapshot it committed, from its log line."""
    day = started.date()
    ends: dict[str, float] = {}
    load: dict[str, float] = {}
    for stamp, kind, run_name, message in LOG_LINE.findall(log):
        at = datetime.combine(day, datetime.strptime(stamp, "%H:%M:%S.%f").time())
        offset = (at - started).total_seconds()
        if message.startswith("Beginning flow run"):
            ends.setdefault("start-up (imports, Prefect server)", offset)
        elif message.startswith("Finished in state"):
            # task runs are named <task>-<3 hex digits>
            name = "end of flow" if kind == "Flow" else run_name.rsplit("-", 1)[0]
            ends[name] = max(offset, ends.get(name, offset))
        if found := LOAD_LINE.search(message):
            snapshot, seconds = found.groups()
            load = {"load": float(seconds), "snapshot": float(snapshot)}
    rows, previous = [], 0.0
    for name, end in sorted(ends.items(), key=lambda item: item[1]):
        rows.append((name, end, end - previous))
        previous = end
    return rows, load


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process so far."""
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


class TreeCPU(threading.Thread):
    """The kernel's CPU account of every process below `root`, read five times a second and
    kept as last seen, so processes that exit before the run ends still count."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.seen: dict[int, tuple[str, float]] = {}  # pid -> (command line, CPU s)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self.scan()

    def scan(self) -> None:
        import psutil

        try:
            below = psutil.Process(self.root).children(recursive=True)
        except psutil.Error:
            return
        for process in below:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    command = " ".join(process.cmdline())
            except psutil.Error:
                continue
            self.seen[process.pid] = (command, times.user + times.system)

    def by_role(self) -> dict[str, float]:
        totals: Counter[str] = Counter()
        for command, seconds in self.seen.values():
            totals[role_of(command)] += seconds
        return dict(totals)


def record(
    source: str, corpus: Path, work: Path, out: Path, endpoint: MotoServer | None, rate: int
) -> Profile:
    env = base_env(work)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint.url
    target = f"s3://{BUCKET}/{PREFIX}" if source == "bucket" else str(corpus)
    folded = out.with_suffix(".folded")
    command = [
        str(BIN / "py-spy"), "record", "--subprocesses", "--rate", str(rate), "--format", "raw",
        "--output", str(folded), "--",
        str(BIN / "newsetl"), "run", "--source", target, "--db", str(work / "w" / "news.sqlite"),
        "--reports-dir", str(work / "reports"), "-v",
    ]  # fmt: skip
    # Warm-up, as in `make bench`: the first start in a new PREFECT_HOME migrates its database.
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    warm = [*command[command.index("--") + 1 :]]
    warm[warm.index("--source") + 1] = str(empty)
    warm[warm.index("--db") + 1] = str(work / "warm" / "news.sqlite")
    subprocess.run(warm, env=env, capture_output=True, cwd=work)
    endpoint_pid = endpoint.process.pid if endpoint and endpoint.process else None
    endpoint_before = cpu_seconds(endpoint_pid) if endpoint_pid else 0.0
    started = datetime.now()
    clock = time.perf_counter()
    logs = work / "run.log"
    with logs.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=work
        )
        sampler = TreeCPU(process.pid)
        sampler.start()
        returncode = process.wait()
    wall = time.perf_counter() - clock
    sampler.stopped.set()
    sampler.join()
    endpoint_cpu = cpu_seconds(endpoint_pid) - endpoint_before if endpoint_pid else None
    # An empty source fails its run by design (exit 1): that is the fixed cost's profile.
    log = logs.read_text(encoding="utf-8", errors="replace")
    if returncode != 0 and not (returncode == 1 and not any(corpus.iterdir())):
        sys.exit(f"newsetl run under py-spy failed ({returncode}):\n{log[-3000:]}")
    rows, load = phases(log, started)
    rows.append(("exit", wall, wall - (rows[-1][1] if rows else 0.0)))
    cpu, processes = fold(folded.read_text(), rate)
    articles = sum(1 for _ in corpus.rglob("*") if _.is_file())
    return Profile(
        source, articles, wall, rows, load, cpu, processes, endpoint_cpu, sampler.by_role(), rate
    )


def markdown(profile: Profile) -> str:
    lines = [
        f"## newsetl run, {profile.source}, {profile.articles:,} objects: {profile.wall:.1f} s",
        "",
        "| phase | ends at (s) | took (s) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {end:.1f} | {took:.1f} |" for name, end, took in profile.phases]
    if profile.load:
        lines += [
            "",
            f"The load: {profile.load['load']:.1f} s, one DuckLake snapshot "
            f"({profile.load['snapshot']:.0f}) with the rows and the search postings the parse "
            "workers built.",
        ]
    total = sum(profile.process_cpu.values())
    lines += [
        "",
        f"CPU by process, from the kernel's accounting ({total:.1f} CPU-s in all, "
        f"{total / profile.wall:.2f} of the cores busy on average), and within each process by "
        f"activity, from py-spy's samples ({profile.rate} a second; waits left out):",
        "",
        "| process | CPU s | activity | sampled s |",
        "|---|---:|---|---:|",
    ]
    for role, seconds in sorted(profile.process_cpu.items(), key=lambda item: -item[1]):
        label = role if profile.processes[role] <= 1 else f"{role} ×{profile.processes[role]}"
        activities = [
            (name, sampled)
            for name, sampled in profile.cpu.get(role, Counter()).most_common()
            if name != IDLE and sampled >= 0.2
        ]
        first, *rest = activities or [("", 0.0)]
        lines.append(f"| {label} | {seconds:.1f} | {first[0]} | {first[1]:.1f} |")
        lines += [f"|  |  | {name} | {sampled:.1f} |" for name, sampled in rest]
    if profile.endpoint_cpu is not None:
        both = total + profile.endpoint_cpu
        lines += [
            "",
            f"The S3 endpoint (moto's server, on the same two cores) used "
            f"{profile.endpoint_cpu:.1f} CPU-s during the run: {both:.1f} CPU-s with newsetl's, "
            f"{both / profile.wall:.2f} cores busy on average.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=100_000, help="articles in the corpus; 0 for the fixed cost"
    )
    parser.add_argument("--source", choices=("dir", "bucket"), default="dir")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--rate", type=int, help=f"py-spy samples a second (default {RATE}; 10 for a bucket)"
    )
    parser.add_argument("--out", type=Path, help="markdown file (default bench/results/)")
    args = parser.parse_args()
    if shutil.which("py-spy", path=str(BIN)) is None:
        sys.exit("py-spy is missing: `uv sync --frozen --group bench --inexact` installs it")
    name = f"profile-{args.source}" if args.n else f"profile-{args.source}-empty"
    out = args.out or ROOT / "bench" / "results" / f"{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsetl-profile-") as tmp:
        work = Path(tmp)
        corpus = work / "corpus"
        print(f"writing corpus: {args.n:,} files", flush=True)
        if args.n:
            generate(corpus, args.n, args.seed)
        else:
            corpus.mkdir()
        if args.source == "bucket":
            moto = MotoServer(env=MOTO_CREDENTIALS).start()
            try:
                upload(corpus, moto_client(moto), BUCKET, PREFIX, workers=32)
                profile = record(args.source, corpus, work, out, moto, args.rate or 10)
            finally:
                moto.stop()
        else:
            profile = record(args.source, corpus, work, out, None, args.rate or RATE)
    text = markdown(profile)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {out}; collapsed stacks in {out.with_suffix('.folded')}")


if __name__ == "__main__":
    main()
