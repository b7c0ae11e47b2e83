"""`newsetl sql` without -c: the DuckDB shell (the `duckdb-cli` package, the same DuckDB version
as the extensions shipped with newsetl) opened on the lake, read-only, search macros ready."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from newsetl.common.catalog import Catalog, WarehouseError
from newsetl.common.sqlfiles import ALIAS, quote
from newsetl.lake.connection import SQLITE_ONE_CONNECTION, s3_secret_sql, wants_s3
from newsetl.lake.extensions import extension_path


def duckdb_cli() -> Path:
    found = Path(sys.executable).with_name("duckdb")
    if not found.is_file():
        raise WarehouseError(f"the DuckDB shell is not installed (expected {found})")
    return found


def init_script(catalog: Catalog, endpoint_url: str | None = None) -> str:
    """What the shell runs first: the extensions from their packages, the lake attached."""
    if not catalog.exists():
        raise WarehouseError(f"warehouse not found: {catalog.describe()}")
    scanner = "sqlite_scanner" if catalog.is_file else "postgres_scanner"
    lines = [f"LOAD {quote(str(extension_path(name)))};" for name in ("ducklake", scanner, "fts")]
    if catalog.is_file:
        lines.append(SQLITE_ONE_CONNECTION + ";")
    if wants_s3(catalog):
        lines.append(f"LOAD {quote(str(extension_path('httpfs')))};")
        lines.append(s3_secret_sql(endpoint_url) + ";")
    lines.append(f"ATTACH {quote(catalog.attach_uri())} AS {ALIAS} (READ_ONLY);")
    lines.append(f"USE {ALIAS};")
    return "\n".join(lines) + "\n"


def run_shell(catalog: Catalog, endpoint_url: str | None = None) -> int:
    """Open the shell on the lake; returns its exit code. The init file is readable by this user
    only and removed when the shell exits."""
    script = init_script(catalog, endpoint_url)
    fd, name = tempfile.mkstemp(prefix="newsetl-sql-", suffix=".sql")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(script)
        return subprocess.call([str(duckdb_cli()), "-init", name])
    finally:
        Path(name).unlink(missing_ok=True)
