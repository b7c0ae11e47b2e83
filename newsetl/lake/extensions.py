"""DuckDB's extensions from their PyPI packages: nothing is downloaded at run time."""

from __future__ import annotations

from pathlib import Path

import duckdb

from newsetl.common.catalog import WarehouseConfigError, WarehouseError
from newsetl.common.sqlfiles import quote

_PACKAGES = {
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
    "fts": "duckdb_extension_fts",
    "httpfs": "duckdb_extension_httpfs",
}


def extension_path(name: str) -> Path:
    """The extension binary shipped in its PyPI package (`duckdb-extension-<name>`)."""
    import importlib

    try:
        module = importlib.import_module(_PACKAGES[name])
    except ImportError as exc:  # pragma: no cover - dependencies of the project
        raise WarehouseConfigError(f"the {_PACKAGES[name]} package is not installed") from exc
    base = Path(module.__file__).parent / "extensions"
    exact = base / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if exact.is_file():
        return exact
    found = sorted(base.glob(f"*/{name}.duckdb_extension"))
    if not found:
        raise WarehouseConfigError(f"no {name}.duckdb_extension under {base}")
    return found[-1]


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Load an extension without the network: from DuckDB's extension directory when it is
    installed there already, else install the packaged binary there first (so later sessions,
    the DuckDB CLI included, autoload it); where that directory is not writable, load the
    packaged file directly."""
    row = con.execute(
        "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if row and row[0]:
        return
    if row and row[1]:
        try:
            con.execute(f"LOAD {name}")
            return
        except duckdb.Error:
            pass  # installed for another build: install the packaged one over it
    path = extension_path(name)
    try:
        con.execute(f"INSTALL {quote(str(path))}")
        con.execute(f"LOAD {name}")
    except duckdb.Error:
        try:
            con.execute(f"LOAD {quote(str(path))}")
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot load the {name} extension from {path}: {exc}") from exc
