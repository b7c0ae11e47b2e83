"""GX is imported without scipy.stats and altair, which only an unused expectation needs, and
code that does use them still gets the real modules."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

PROBE = """
import json, sys, tempfile
from pathlib import Path
from newsetl.common.settings import PROJECT_ROOT
from newsetl.quality.engine import QualityEngine
QualityEngine(PROJECT_ROOT / "expectations", Path(tempfile.mkdtemp()) / "gx")
deferred = {
    "scipy_stats_loaded": "scipy.stats._stats_py" in sys.modules,
    "altair_loaded": any(name.startswith("altair.") for name in sys.modules),
}
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
from scipy import stats
import altair
print(json.dumps({
    **deferred,
    "entropy": stats.entropy([0.5, 0.5]),
    "same_stats": kl.stats.entropy is stats.entropy,
    "chart": altair.Chart.__name__,
}))
"""


def test_the_engine_imports_gx_without_scipy_stats_and_altair_which_load_on_first_use() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["scipy_stats_loaded"] is False
    assert probe["altair_loaded"] is False
    assert abs(probe["entropy"] - 0.6931471805599453) < 1e-12
    assert probe["same_stats"] is True
    assert probe["chart"] == "Chart"


def test_a_discarded_gx_process_is_gone_at_once_and_the_next_is_new(tmp_path: Path) -> None:
    """A command that turns out to need no validation stops the GX process it started without
    waiting for GX's import; a later engine gets a process of its own."""
    from newsetl.common.localserver import alive
    from newsetl.common.settings import PROJECT_ROOT
    from newsetl.quality import process

    process.engine_process(PROJECT_ROOT / "expectations", tmp_path / "gx")
    started = list(process._pool()._processes)
    assert started and all(alive(pid) for pid in started)
    process.discard()
    deadline = time.monotonic() + 5  # SIGKILL is delivered, not waited for
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in started)
    process.discard()  # nothing left to stop: no error
    engine = process.engine_process(PROJECT_ROOT / "expectations", tmp_path / "gx2")
    engine.warming.result(timeout=300)
    assert set(process._pool()._processes).isdisjoint(started)
    process.discard()


def gx_process_modules() -> dict[str, object]:
    """Run inside the GX process: what it imported of SQLAlchemy and boto3, and what GX made of
    that."""
    from great_expectations.compatibility import aws as gx_aws
    from great_expectations.compatibility import sqlalchemy as gx_sqlalchemy

    def loaded(package: str) -> bool:
        return any(
            name == package or name.startswith(f"{package}.")
            for name, module in sys.modules.items()
            if module is not None
        )

    return {
        "sqlalchemy_loaded": loaded("sqlalchemy"),
        "gx_sees_sqlalchemy": bool(gx_sqlalchemy.sqlalchemy),
        "boto_loaded": loaded("boto3") or loaded("botocore"),
        "gx_sees_boto3": bool(gx_aws.boto3),
    }


def test_the_gx_process_validates_without_sqlalchemy_and_boto3(tmp_path: Path) -> None:
    """The GX process hides SQLAlchemy (Prefect's, not GX's need) and boto3 (the source's), and
    GX validates a frame and builds its Data Docs as when its SQL and S3 extras are not
    installed."""
    from newsetl.common.settings import PROJECT_ROOT
    from newsetl.quality import process
    from tests.quality.test_quality import RUN_DATE, RUN_NAME, frame, row

    engine = process.engine_process(PROJECT_ROOT / "expectations", tmp_path / "gx")
    try:
        report = engine.validate_articles(
            frame(row("a"), row("b", title=None, title_length=None)),
            run_date=RUN_DATE,
            run_name=RUN_NAME,
        )
        assert report.critical_keys() == {"b"}
        assert engine.build_data_docs().is_file()
        probe = process._pool().submit(gx_process_modules).result(timeout=120)
        assert probe == {
            "sqlalchemy_loaded": False,
            "gx_sees_sqlalchemy": False,
            "boto_loaded": False,
            "gx_sees_boto3": False,
        }
    finally:
        process.discard()
