"""Where a lake is: its catalog (a SQLite file or a PostgreSQL conninfo) and its data path.
Plain Python with no DuckDB or Polars import, so the command line can check a path and name a
problem before anything heavy is loaded."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

POSTGRES_PREFIX = "postgres:"
FULL_BELOW_BYTES = 256 * 1024  # less free space than this on a catalog's disk counts as full


class WarehouseError(RuntimeError):
    """A problem with the warehouse a user can act on: locked, unwritable, not a lake."""

    permanent = False  # a retry may find it unlocked, or the catalog's server back


class WarehouseConfigError(WarehouseError):
    """The warehouse is configured wrongly (a bad catalog or path, no such lake, no
    credentials for its data, a missing extension): no retry can fix it."""

    permanent = True


_PASSWORD = re.compile(r"(password\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def redact(text: str) -> str:
    """A conninfo or message with any password replaced, for logs and errors."""
    return _URI_PASSWORD.sub(r"\1***@", _PASSWORD.sub(r"\1***", text))


PASSWORD_ADVICE = (
    "a PostgreSQL password does not belong in --db / NEWSETL_DB (Prefect would store it with "
    "the run's parameters): leave it out and put it in PGPASSWORD, ~/.pgpass or a "
    "pg_service.conf entry named by PGSERVICE, where libpq finds it"
)


def refuse_password(db: str) -> None:
    """Raise WarehouseConfigError when a catalog's text carries a password (`password=` or a
    URI's user:password@): the text travels as a flow parameter, into Prefect's database."""
    text = str(db).strip()
    if text.startswith(POSTGRES_PREFIX) and redact(text) != text:
        raise WarehouseConfigError(PASSWORD_ADVICE)


@dataclass(frozen=True)
class Catalog:
    """Where the lake's catalog is and where its data files go."""

    kind: str  # sqlite | postgres
    target: str  # the SQLite file, or the PostgreSQL conninfo
    data_path: str | None  # None: beside a file catalog, or what the catalog already records

    @classmethod
    def parse(cls, db: str | Path, data_path: str | None = None) -> Catalog:
        text = str(db).strip()
        if text.startswith(POSTGRES_PREFIX):
            conninfo = text.removeprefix(POSTGRES_PREFIX).strip()
            if not conninfo:
                raise WarehouseConfigError(
                    "--db postgres: needs a conninfo, e.g. postgres:dbname=news"
                )
            refuse_password(text)
            return cls("postgres", conninfo, data_path)
        path = Path(text)
        if path.suffix == ".duckdb":
            raise WarehouseConfigError(
                f"{path} is a DuckDB file; the warehouse is now a DuckLake catalog (.sqlite). "
                f"Move it with: newsetl migrate-warehouse {path} --db "
                f"{path.with_suffix('.sqlite')}"
            )
        return cls("sqlite", str(path), data_path)

    @property
    def is_file(self) -> bool:
        return self.kind == "sqlite"

    @property
    def path(self) -> Path:
        return Path(self.target)

    def describe(self) -> str:
        return str(self.path) if self.is_file else POSTGRES_PREFIX + redact(self.target)

    @property
    def default_data_path(self) -> str:
        """Beside a file catalog: `news.sqlite` keeps its Parquet files in `news.files/`."""
        return str(self.path.with_name(f"{self.path.stem}.files")) + "/"

    @property
    def local_dir(self) -> Path:
        """Where this machine keeps a run's staging and DuckDB's spill files: beside a file
        catalog, `.newsetl/` in the working directory for a server catalog."""
        return self.path.parent if self.is_file else Path(".newsetl")

    def lock_path(self, scope: str = "") -> Path:
        """The writer lock. A file catalog has one writer at a time; a PostgreSQL catalog takes
        many, one per source (`scope`), each of which must not run twice at once."""
        if self.is_file:
            return Path(str(self.path) + ".lock")
        digest = hashlib.sha256(f"{redact(self.target)}\n{scope}".encode()).hexdigest()[:16]
        return self.local_dir / "locks" / f"{digest}.lock"

    def exists(self) -> bool:
        return self.path.is_file() if self.is_file else True

    def check_writable(self) -> None:
        """A writer can work here: a file catalog's folder can be created and written (tried
        for real: permission bits do not tell root, nor what /proc or a read-only mount
        refuses), and the catalog itself is a writable file if it exists. Raises WarehouseError
        with what is wrong. A PostgreSQL catalog is checked when it is attached."""
        if not self.is_file:
            return
        db = self.path
        parent = db.parent if str(db.parent) else Path(".")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseConfigError(
                f"cannot create the warehouse folder {parent}: {exc.strerror or exc}"
            ) from None
        if db.is_dir():
            raise WarehouseConfigError(f"warehouse path {db} is a directory")
        if db.exists():
            try:
                with open(db, "r+b"):
                    pass
            except OSError as exc:
                raise WarehouseConfigError(
                    f"warehouse {db} is not writable: {exc.strerror or exc}"
                ) from None
            return
        try:
            handle, probe = tempfile.mkstemp(prefix=".newsetl-probe-", dir=parent)
        except OSError as exc:
            raise WarehouseConfigError(
                f"cannot create the warehouse {db}: no file can be made in {parent} "
                f"({exc.strerror or exc})"
            ) from None
        os.close(handle)
        os.unlink(probe)

    def full_disk(self) -> Path | None:
        """The mount point of the disk holding a file catalog when that disk has no room left
        (SQLite in WAL mode must write beside the catalog even to read it), else None."""
        if not self.is_file:
            return None
        folder = self.path.parent.resolve()
        try:
            stats = os.statvfs(folder)
        except OSError:
            return None
        free = stats.f_bfree if os.geteuid() == 0 else stats.f_bavail
        if free * stats.f_frsize >= FULL_BELOW_BYTES:
            return None
        while not os.path.ismount(folder) and folder != folder.parent:
            folder = folder.parent
        return folder

    def attach_uri(self) -> str:
        return f"ducklake:{self.kind}:{self.target}"
