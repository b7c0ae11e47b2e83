"""A real PostgreSQL server for the shared-catalog tests: the `initdb`, `pg_ctl` and `postgres`
binaries on PATH, a throwaway data folder, listening on 127.0.0.1 only. initdb refuses to run as
root, so as root the server runs as an unprivileged user created for it. With a `password` the
server asks for it (SCRAM) and `conninfo()` leaves it out, as newsetl's --db must."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import duckdb

from newsetl.common.localserver import free_port
from newsetl.lake.extensions import extension_path

PG_USER = "newsetl-pg"


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
        )
    return ["runuser", "-u", PG_USER, "--"]


class Postgres:
    def __init__(self, password: str | None = None) -> None:
        self.password = password
        # Its own folder, readable by the server's user (pytest's temp folders are private).
        self.root = Path(tempfile.mkdtemp(prefix="newsetl-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "pgdata"
        self.port = free_port()
        self.prefix = _as_server_user()

    def start(self) -> Postgres:
        for tool in ("initdb", "pg_ctl", "postgres"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not on PATH")
        self.data.mkdir()
        if self.prefix:
            shutil.chown(self.root, PG_USER)
            shutil.chown(self.data, PG_USER)
        auth = ["--auth=trust"]
        if self.password is not None:
            pwfile = self.root / "pwfile"
            pwfile.write_text(self.password + "\n", encoding="utf-8")
            if self.prefix:
                shutil.chown(pwfile, PG_USER)
            auth = ["--auth=scram-sha-256", f"--pwfile={pwfile}"]
        try:
            subprocess.run(
                [*self.prefix, "initdb", "-D", str(self.data), "-U", "postgres", *auth,
                 "-E", "UTF8", "--no-locale"],
                check=True,
                capture_output=True,
            )  # fmt: skip
        finally:
            (self.root / "pwfile").unlink(missing_ok=True)
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        subprocess.run(
            [
                *self.prefix,
                "pg_ctl",
                "-D",
                str(self.data),
                "-w",
                "-t",
                "120",
                "-o",
                options,
                "-l",
                str(self.root / "server.log"),
                "start",
            ],
            check=True,
            capture_output=True,
        )
        return self

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, "pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its conninfo."""
        name = f"lake_{uuid.uuid4().hex[:10]}"
        con = duckdb.connect()
        try:
            con.execute(f"LOAD '{extension_path('postgres_scanner')}'")
            admin = self.conninfo()
            if self.password is not None:
                admin += f" password={self.password}"
            con.execute(f"ATTACH '{admin}' AS pg (TYPE postgres)")
            con.execute(
                f"CALL postgres_execute('pg', 'CREATE DATABASE {name}', use_transaction => false)"
            )
        finally:
            con.close()
        return self.conninfo(name)
