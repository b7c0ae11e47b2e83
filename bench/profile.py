"""Where a run's time goes: `python -m bench.profile [--n N] [--source dir|bucket]`.

One full `newsetl run` over a fresh bench corpus (bench/corpus.py), recorded by py-spy in every
process it starts: the flow process, Prefect's temporary API server, the GX process and the parse
workers. It prints and writes two tables (markdown, `bench/results/profile-<source>.md`):

- the run's wall time by phase, from the flow's own log lines (the load logs its merge, search
  and snapshot split);
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
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.corpus import generate, upload
from bench.run import BUCKET, MOTO_CREDENTIALS, PREFIX, base_env, moto_client
from newsetl.devs3 import MotoServer

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RATE = 50  # samples a second per process: enough for phases of a second, cheap on two cores

# What a sample was doing: the first rule whose marker is in its stack wins, so the more specific
# rules come first. Markers are file paths as py-spy prints them.
CATEGORIES: list[tuple[str, tuple[str, ...]]] = [
    ("start-up: imports", ("_find_and_load",)),
    ("search index (DuckDB fts)", ("newsetl/search.py",)),
    ("snapshot copy", ("newsetl/snapshot.py",)),
    ("load: merge into DuckDB", ("newsetl/warehouse.py", "tasks/state.py")),
    ("parse: language detection (lingua)", ("newsetl/language.py",)),
    (
        "parse: decode, layout, dates",
        ("newsetl/parse.py", "newsetl/decode.py", "newsetl/text.py", "newsetl/dates.py"),
    ),
    ("fetch: S3 client", ("botocore/", "boto3/", "urllib3/")),
    ("fetch: listing and file reads", ("newsetl/source.py",)),
    ("chunk: rows, frames, Parquet", ("newsetl/chunk.py", "newsetl/rows.py")),
    ("validation (GX)", ("great_expectations/", "newsetl/quality")),
    ("Prefect API server: database migrations", ("do_run_migrations", "alembic/")),
    (
        "Prefect API server",
        ("prefect/server/", "uvicorn/", "starlette/", "fastapi/", "sqlalchemy/", "aiosqlite/"),
    ),
    ("Prefect client, logs, events", ("prefect/",)),
    ("CLI and summary", ("newsetl/cli.py", "newsetl/summary.py", "rich/")),
    (
        "waiting on queues, pipes, locks",
        ("Condition.wait", "Queue.get", "selectors.py", "recv_bytes", "Thread.join"),
    ),
]

# Which process a sample is in: the command line of its innermost `process PID:"…"` frame; a
# spawned worker is the GX process when its stacks show the GX engine's loop.
GX_MARKER = "newsetl/quality_process.py"
PROCESS_FRAME = re.compile(r'process (\d+):"([^"]*)"')

LOG_LINE = re.compile(
    r"^(\d\d:\d\d:\d\d\.\d+) \| \w+ +\| (Flow|Task) run '([^']+)' - (.*)$", re.MULTILINE
)
LOAD_SPLIT = re.compile(
    r"merge ([\d.]+) s, search ([\d.]+) s \((\d+) partitions built\), snapshot ([\d.]+) s"
)


@dataclass
class Profile:
    source: str
    articles: int
    wall: float
    phases: list[tuple[str, float, float]]  # (phase, ends at, took), seconds from start
    load_split: dict[str, float]
    cpu: dict[str, Counter[str]] = field(default_factory=dict)  # role -> category -> seconds
    processes: Counter[str] = field(default_factory=Counter)  # role -> how many pids


def fold(raw: str, rate: int = RATE) -> tuple[dict[str, Counter[str]], Counter[str]]:
    """CPU seconds by process role and category, from py-spy's collapsed stacks."""
    by_pid: dict[str, Counter[str]] = defaultdict(Counter)
    commands: dict[str, str] = {}
    gx: dict[str, bool] = {}
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = PROCESS_FRAME.findall(stack)
        if not frames or not count.isdigit():
            continue
        pid, command = frames[-1]
        commands[pid] = command
        gx[pid] = gx.get(pid, False) or GX_MARKER in stack
        by_pid[pid][category(stack)] += int(count)
    cpu: dict[str, Counter[str]] = defaultdict(Counter)
    processes: Counter[str] = Counter()
    for pid, counts in by_pid.items():
        role = role_of(commands[pid], gx[pid])
        processes[role] += 1
        for name, samples in counts.items():
            cpu[role][name] += samples / rate
    return dict(cpu), processes


def role_of(command: str, runs_gx: bool) -> str:
    if "uvicorn" in command:
        return "Prefect API server"
    if "resource_tracker" in command:
        return "resource tracker"
    if "forkserver" in command:  # the fork server and the parse workers forked from it
        return "parse workers"
    if "spawn_main" in command:
        return "GX process" if runs_gx else "parse workers"
    return "flow process"


def category(stack: str) -> str:
    if ";" not in stack.rsplit('"', 1)[-1]:
        return "no Python frame (interpreter start and exit)"
    for name, markers in CATEGORIES:
        if any(marker in stack for marker in markers):
            return name
    return "other"


def phases(log: str, started: datetime) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
    """(phase, ends at, took) from the flow's log: each task's last `Finished` line, in order;
    chunks of fetch-and-parse overlap, so that phase runs to its last chunk."""
    day = started.date()
    ends: dict[str, float] = {}
    split: dict[str, float] = {}
    for stamp, kind, run_name, message in LOG_LINE.findall(log):
        at = datetime.combine(day, datetime.strptime(stamp, "%H:%M:%S.%f").time())
        offset = (at - started).total_seconds()
        if message.startswith("Beginning flow run"):
            ends.setdefault("start-up (imports, Prefect server)", offset)
        elif message.startswith("Finished in state"):
            # task runs are named <task>-<3 hex digits>
            ends["end of flow" if kind == "Flow" else run_name.rsplit("-", 1)[0]] = offset
        if found := LOAD_SPLIT.search(message):
            merge, search, built, snapshot = found.groups()
            split = {
                "merge": float(merge),
                "search": float(search),
                "partitions built": float(built),
                "snapshot": float(snapshot),
            }
    rows, previous = [], 0.0
    for name, end in sorted(ends.items(), key=lambda item: item[1]):
        rows.append((name, end, end - previous))
        previous = end
    return rows, split


def record(source: str, corpus: Path, work: Path, out: Path, endpoint: str | None) -> Profile:
    env = base_env(work)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    target = f"s3://{BUCKET}/{PREFIX}" if source == "bucket" else str(corpus)
    folded = out.with_suffix(".folded")
    command = [
        str(BIN / "py-spy"), "record", "--subprocesses", "--rate", str(RATE), "--format", "raw",
        "--output", str(folded), "--",
        str(BIN / "newsetl"), "run", "--source", target, "--db", str(work / "w" / "news.duckdb"),
        "--reports-dir", str(work / "reports"), "-v",
    ]  # fmt: skip
    # Warm-up, as in `make bench`: the first start in a new PREFECT_HOME migrates its database.
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    warm = [*command[command.index("--") + 1 :]]
    warm[warm.index("--source") + 1] = str(empty)
    warm[warm.index("--db") + 1] = str(work / "warm" / "news.duckdb")
    subprocess.run(warm, env=env, capture_output=True, cwd=work)
    started = datetime.now()
    clock = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=work)
    wall = time.perf_counter() - clock
    # An empty source fails its run by design (exit 1): that is the fixed cost's profile.
    if result.returncode != 0 and not (result.returncode == 1 and not any(corpus.iterdir())):
        sys.exit(f"newsetl run under py-spy failed ({result.returncode}):\n{result.stderr[-3000:]}")
    log = result.stdout + result.stderr
    rows, split = phases(log, started)
    rows.append(("exit", wall, wall - (rows[-1][1] if rows else 0.0)))
    cpu, processes = fold(folded.read_text())
    articles = sum(1 for _ in corpus.rglob("*") if _.is_file())
    return Profile(source, articles, wall, rows, split, cpu, processes)


def markdown(profile: Profile) -> str:
    lines = [
        f"## newsetl run, {profile.source}, {profile.articles:,} objects: {profile.wall:.1f} s",
        "",
        "| phase | ends at (s) | took (s) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {end:.1f} | {took:.1f} |" for name, end, took in profile.phases]
    if profile.load_split:
        split = profile.load_split
        lines += [
            "",
            f"The load: merge {split['merge']:.1f} s, search index {split['search']:.1f} s "
            f"({split['partitions built']:.0f} partitions built), snapshot "
            f"{split['snapshot']:.1f} s.",
        ]
    total = sum(sum(c.values()) for c in profile.cpu.values())
    lines += [
        "",
        f"CPU by process and activity (py-spy, {RATE} samples/s; {total:.1f} CPU-s in all, "
        f"{total / profile.wall:.2f} cores busy on average):",
        "",
        "| process | activity | CPU s | share |",
        "|---|---|---:|---:|",
    ]
    for role, counts in sorted(profile.cpu.items(), key=lambda item: -sum(item[1].values())):
        label = role if profile.processes[role] == 1 else f"{role} ×{profile.processes[role]}"
        for name, seconds in counts.most_common():
            if seconds >= 0.2:
                lines.append(f"| {label} | {name} | {seconds:.1f} | {seconds / total:.0%} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=100_000, help="articles in the corpus; 0 for the fixed cost"
    )
    parser.add_argument("--source", choices=("dir", "bucket"), default="dir")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="markdown file (default bench/results/)")
    args = parser.parse_args()
    if shutil.which("py-spy", path=str(BIN)) is None:
        sys.exit("py-spy is missing: `uv sync --frozen --group bench --inexact` installs it")
    out = args.out or ROOT / "bench" / "results" / f"profile-{args.source}.md"
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
                profile = record(args.source, corpus, work, out, moto.url)
            finally:
                moto.stop()
        else:
            profile = record(args.source, corpus, work, out, None)
    text = markdown(profile)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {out}; collapsed stacks in {out.with_suffix('.folded')}")


if __name__ == "__main__":
    main()
