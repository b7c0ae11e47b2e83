"""Extensions come from this environment's locked wheels, by path, whatever DuckDB's shared
extension directory holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

PROBE = """
import json, sys
from newsetl.common.catalog import Catalog
from newsetl.lake import connection, migrations
con = connection.connect(Catalog.parse(sys.argv[1]))
migrations.migrate(con)
rows = con.execute(
    "SELECT extension_name FROM duckdb_extensions() WHERE loaded "
    "AND extension_name IN ('ducklake', 'sqlite_scanner', 'fts') ORDER BY 1"
).fetchall()
print(json.dumps({
    "loaded": [name for (name,) in rows],
    "articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],
    "stem": con.execute("SELECT stem('новостями', 'russian')").fetchone()[0],
}, ensure_ascii=False))
"""


def test_a_broken_copy_in_duckdbs_extension_directory_is_not_what_loads(tmp_path: Path) -> None:
    """An analyst's DuckDB directory holds damaged binaries (a partial download, another
    build) under the extensions' names: newsetl loads its own packaged ones and opens the lake."""
    home = tmp_path / "home"
    platform = duckdb.execute("PRAGMA platform").fetchone()[0]
    folder = home / ".duckdb" / "extensions" / f"v{duckdb.__version__}" / platform
    folder.mkdir(parents=True)
    for name in ("ducklake", "sqlite_scanner", "fts"):
        (folder / f"{name}.duckdb_extension").write_bytes(b"\x7fELF not an extension" * 100)
    lake = tmp_path / "lake" / "news.sqlite"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(lake)],
        env={**os.environ, "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe == {
        "loaded": ["ducklake", "fts", "sqlite_scanner"],
        "articles": 0,
        "stem": "новост",
    }
