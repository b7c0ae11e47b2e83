"""The `newsetl` console script tells Python it runs as `python -m newsetl`, so the processes a
command starts (the GX process by spawn, the parse workers from the fork server) do not import
the whole CLI again to rebuild `__main__`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, multiprocessing, sys
from newsetl.cli.main import run_as_module, started_as_command
if __name__ == "__main__":
    assert started_as_command()
    if sys.argv[1] == "told":
        run_as_module()
    seen = {}
    for method in ("spawn", "forkserver"):
        with multiprocessing.get_context(method).Pool(1) as pool:
            # The CLI is in a worker only if the worker ran the script again.
            seen[method] = pool.apply(eval, ("'newsetl.cli.main' in __import__('sys').modules",))
    print(json.dumps(seen))
"""


@pytest.mark.parametrize(("told", "rebuilt"), [("told", False), ("untold", True)])
def test_workers_of_the_console_script_do_not_run_it_again(
    tmp_path: Path, told: str, rebuilt: bool
) -> None:
    script = tmp_path / "newsetl"  # the console script's name, as in .venv/bin
    script.write_text(SCRIPT, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script), told], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "spawn": rebuilt,
        "forkserver": rebuilt,
    }


LEAVE_OUT = """
import json, sys, time
from newsetl.cli.main import leave_out_pandas
leave_out_pandas()
import duckdb
con = duckdb.connect()
row = con.execute("SELECT ?, ?, ?", [1, "Тоқаев", None]).fetchone()
try:
    import pandas
    imported = True
except ImportError:
    imported = False
print(json.dumps({
    "row": list(row),
    "imported": imported,
    "loaded": sorted(m for m in ("pandas", "numpy", "pyarrow") if sys.modules.get(m) is not None),
}, ensure_ascii=False))
"""


def test_only_the_command_itself_leaves_pandas_out() -> None:
    """A test or a notebook calling the app in its own process keeps its pandas."""
    from newsetl.cli.main import started_as_command

    assert started_as_command() is False


def test_the_cli_binds_statement_parameters_without_importing_pandas() -> None:
    """DuckDB's client would import pandas, numpy and pyarrow at the first parameter."""
    out = subprocess.run(
        [sys.executable, "-c", LEAVE_OUT], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe == {"row": [1, "Тоқаев", None], "imported": False, "loaded": []}
