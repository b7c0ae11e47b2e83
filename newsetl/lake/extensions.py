"""DuckDB's extensions from their PyPI packages: nothing is downloaded at run time."""

from __future__ import annotations

from contextlib import suppress
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
    """Load an extension without the network, always the binary packaged in this environment.

    The connection is opened with `allow_unsigned_extensions` (see `connect`): DuckDB otherwise
    checks each binary's signature at every LOAD into a new connection, about 0.2 s of CPU an
    extension, 0.3-1.0 s a connection with three of them. The binaries come from wheels that uv
    installs against the hashes in uv.lock, and they are loaded by their path in this environment,
    never by name from DuckDB's shared extension directory, so what runs is what the lock file
    names. They are also installed into that directory once, so that a plain DuckDB session (an
    analyst's) autoloads them with its own signature check."""
    row = con.execute(
        "SELECT loaded, installed FROM duckdb_extensions() WHERE extension_name = ?", [name]
    ).fetchone()
    if row and row[0]:
        return
    path = extension_path(name)
    if not (row and row[1]):
        # A read-only extension directory: this session loads the file all the same.
        with suppress(duckdb.Error):
            con.execute(f"INSTALL {quote(str(path))}")
    try:
        con.execute(f"LOAD {quote(str(path))}")
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot load the {name} extension from {path}: {exc}") from exc
