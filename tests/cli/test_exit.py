"""The command leaves without the interpreter's teardown (newsetl.cli.main.leave), but only after
what any exit does: threads that are not daemons joined, exit handlers run, output flushed, and
with the status the command exited with."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import atexit, sys, threading, time
from newsetl.cli.main import leave

class Torn:
    def __del__(self):  # runs when the interpreter tears the module down
        sys.__stderr__.write("torn down\\n")
        sys.__stderr__.flush()

KEPT = Torn()
marker = sys.argv[1]
atexit.register(lambda: open(marker, "w", encoding="utf-8").write("Тоқаев"))

def late():
    time.sleep(0.2)  # outlives the command's own code: the exit joins it
    print("thread ended", flush=False)

threading.Thread(target=late).start()
print("Мемлекет басшысы", end="")  # buffered: the exit flushes it
code = sys.argv[2]
leave(None if code == "none" else int(code) if code.lstrip("-").isdigit() else code)
"""


@pytest.mark.parametrize(
    ("code", "status"), [("0", 0), ("none", 0), ("4", 4), ("-1", 255), ("ошибка", 1)]
)
def test_leave_runs_the_exit_then_skips_the_teardown(
    tmp_path: Path, code: str, status: int
) -> None:
    script = tmp_path / "leave.py"
    script.write_text(SCRIPT, encoding="utf-8")
    marker = tmp_path / "handler.txt"
    out = subprocess.run(
        [sys.executable, str(script), str(marker), code],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert out.returncode == status, out.stderr
    assert out.stdout.splitlines() == ["Мемлекет басшысыthread ended"]
    assert marker.read_text(encoding="utf-8") == "Тоқаев"
    assert "torn down" not in out.stderr
    if status == 1:
        assert out.stderr.strip() == "ошибка"


def test_the_module_runs_the_command_and_its_exit_status(tmp_path: Path) -> None:
    missing = tmp_path / "нет" / "news.sqlite"
    out = subprocess.run(
        [sys.executable, "-m", "newsetl", "status", "--db", str(missing)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert out.returncode == 1
    assert out.stderr.strip() == f"newsetl: warehouse not found: {missing}"
