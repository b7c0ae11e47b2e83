"""`make profile` folds py-spy's stacks into processes and activities, and the flow's log into
phases: checked on stacks and log lines in the shapes py-spy and Prefect write them."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from bench.profile import IDLE, RATE, TreeCPU, fold, phases

CLI = 'process 100:"/venv/bin/python /venv/bin/newsetl run --source s3://b/p/"'
SERVER = 'process 101:"/venv/bin/python -m uvicorn --factory prefect.server.api.server:create_app"'
GX = 'process 102:"/venv/bin/python -B -c from multiprocessing.spawn import spawn_main"'
FORK = 'process 103:"/venv/bin/python -B -c from multiprocessing.forkserver import main"'
WORKER = 'process 104:"/venv/bin/python -B -c from multiprocessing.forkserver import main"'


def stack(*frames: str, samples: int) -> str:
    return ";".join(frames) + f" {samples}"


def test_samples_are_folded_by_process_and_activity() -> None:
    raw = "\n".join(
        [
            stack(CLI, "<module> (newsetl:4)", "_find_and_load (<frozen>:1)", samples=RATE * 2),
            stack(
                CLI,
                "load_run (tasks/load.py:80)",
                "apply_run (newsetl/lake/:495)",
                samples=RATE * 3,
            ),
            stack(CLI, SERVER, "handle (prefect/server/api/flow_runs.py:10)", samples=RATE),
            stack(
                CLI,
                GX,
                "_serve (newsetl/quality/process.py:40)",
                "validate (great_expectations/core.py:5)",
                samples=RATE,
            ),
            stack(CLI, GX, "_find_and_load (<frozen>:1)", samples=RATE * 4),
            stack(CLI, FORK, "_find_and_load (<frozen>:1)", samples=RATE // 2),
            stack(
                CLI,
                FORK,
                WORKER,
                "stage_chunk (newsetl/parse/chunk.py:50)",
                "detect_language (newsetl/parse/language.py:57)",
                samples=RATE,
            ),
            stack(
                CLI,
                FORK,
                WORKER,
                "stage_chunk (newsetl/parse/chunk.py:50)",
                "_parse (newsetl/parse/article.py:119)",
                samples=RATE * 2,
            ),
            stack(
                CLI,
                FORK,
                WORKER,
                "stage_chunk (newsetl/parse/chunk.py:63)",
                "index_frames (newsetl/search/index.py:21)",
                "terms (newsetl/search/tokens.py:200)",
                "stem_kk (newsetl/search/tokens.py:193)",
                samples=RATE * 3,
            ),
            stack(CLI, samples=RATE // 5),  # no Python frame yet
            stack(
                CLI,
                "Thread.run (threading.py:982)",
                "_worker (concurrent/futures/thread.py:81)",
                samples=RATE * 9,
            ),
            stack(
                CLI,
                SERVER,
                "run_forever (asyncio/base_events.py:608)",
                "EpollSelector.select (selectors.py:468)",
                samples=RATE * 9,
            ),
            "",
            "garbage line",
        ]
    )
    cpu, processes = fold(raw)
    assert processes == {
        "flow process": 1,
        "Prefect API server": 1,
        "GX process": 1,
        "parse workers": 2,
    }
    assert cpu["flow process"] == {
        "start-up: imports": 2.0,
        "load: one DuckLake snapshot": 3.0,
        "no Python frame (interpreter start and exit)": 0.2,
        IDLE: 9.0,  # a pool thread blocked on its queue: py-spy counts it, the profile does not
    }
    assert cpu["Prefect API server"] == {"Prefect API server": 1.0, IDLE: 9.0}
    assert cpu["GX process"] == {"validation (GX)": 1.0, "start-up: imports": 4.0}
    assert cpu["parse workers"] == {
        "start-up: imports": 0.5,
        "parse: language detection (lingua)": 1.0,
        "parse: decode, layout, dates": 2.0,
        "parse: search postings (tokens, stems)": 3.0,
    }


def line(seconds: str, kind: str, run: str, message: str) -> str:
    return f"10:00:{seconds} | INFO    | {kind} run '{run}' - {message}"


def test_phases_end_at_each_tasks_last_finish_and_the_load_seconds_are_read() -> None:
    done = "Finished in state Completed()"
    log = "\n".join(
        [
            line("09.500", "Flow", "amber-fox", "Beginning flow run 'amber-fox'"),
            line("10.000", "Task", "open-warehouse-1a2", done),
            line("11.000", "Task", "list-objects-3b4", "listed 4 objects"),
            line("11.250", "Task", "list-objects-3b4", done),
            line("14.000", "Task", "fetch-and-parse-5c6", done),
            line("13.000", "Task", "fetch-and-parse-7d8", done),
            line(
                "20.000",
                "Task",
                "load-9e0",
                "run 20261130T100009-ab12 written to /tmp/w (1)/news.sqlite (completed) "
                "as snapshot 7; load 5.3 s",
            ),
            line("20.100", "Task", "load-9e0", done),
            line("21.000", "Flow", "amber-fox", done),
        ]
    )
    rows, load = phases(log, datetime(2026, 11, 30, 10, 0, 0))
    assert [(name, round(end, 2), round(took, 2)) for name, end, took in rows] == [
        ("start-up (imports, Prefect server)", 9.5, 9.5),
        ("open-warehouse", 10.0, 0.5),
        ("list-objects", 11.25, 1.25),
        ("fetch-and-parse", 14.0, 2.75),  # to the chunk that finished last
        ("load", 20.1, 6.1),
        ("end of flow", 21.0, 0.9),
    ]
    assert load == {"load": 5.3, "snapshot": 7.0}


def test_a_run_that_failed_its_gate_still_logs_its_load() -> None:
    message = "run r written to postgres:dbname=news (failed_quality) as snapshot 12; load 0.4 s"
    _, load = phases(line("01.000", "Task", "load-1a2", message), datetime(2026, 11, 30, 10))
    assert load == {"load": 0.4, "snapshot": 12.0}


def test_process_cpu_comes_from_the_kernel_and_outlives_the_process() -> None:
    burn = "import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end: pass"
    parent = subprocess.Popen(["sh", "-c", f'{sys.executable} -c "{burn}"; sleep 0.5'])
    sampler = TreeCPU(parent.pid)
    sampler.start()
    parent.wait(timeout=30)
    sampler.stopped.set()
    sampler.join()
    assert 0.8 <= sampler.by_role()["flow process"] <= 1.5  # the child, gone before the end
