"""A PostgreSQL password stays out of Prefect: runs against a real server that asks for one get it
from PGPASSWORD (libpq reads it; newsetl never sees it), and a unique fake password is then in no
file of Prefect's home (its database and WAL, the server's log) or of the shared test server's
database, the lake, the reports, the working
directory or any output, after a run that commits and after runs that fail. A --db that carries
a password is refused in one line that says where the password goes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.e2e.faults.conftest import put
from tests.e2e.faults.invariants import files_holding, prefect_database

pytestmark = pytest.mark.slow  # runs the CLI with its own Prefect server


def test_a_postgres_password_reaches_no_file_and_no_output(
    newsetl, postgres_password, make_bucket, s3, moto, tmp_path: Path
) -> None:
    password = postgres_password.password
    lake = postgres_password.new_database()  # conninfo without the password
    data, reports, work = tmp_path / "lake-data", tmp_path / "reports", tmp_path / "work"
    work.mkdir()
    bucket = make_bucket(4)

    def run(source: str, db: str, env: dict[str, str], own_prefect: bool = False):
        args = ["run", "--source", source, "--db", db, "--data-path", str(data)]
        args += ["--reports-dir", str(reports), "--endpoint-url", moto.url]
        # own_prefect: no API configured, so the CLI starts its own Prefect server, its
        # database under newsetl.home (as on an operator's machine); else the shared server.
        return newsetl(*args, env=env, prefect=not own_prefect, cwd=work)

    committed = run(bucket.source, f"postgres:{lake}", {"PGPASSWORD": password}, True)
    assert committed.code == 0, committed

    # A failed run that had the password: a source the lake was never fed from is refused.
    put(s3, bucket, "other/000.txt", b"\xd0\x96\xd0\xb0\xd2\xa3\xd0\xb0\xd0\xbb\xd1\x8b\xd2\x9b\n")
    refused = run(f"s3://{bucket.name}/other/", f"postgres:{lake}", {"PGPASSWORD": password})
    assert refused.code == 1 and "--new-source" in refused.err, refused

    # A wrong password: the run fails in one line, which holds no password either.
    wrong = f"FAKEwrong{uuid.uuid4().hex}"
    denied = run(bucket.source, f"postgres:{lake}", {"PGPASSWORD": wrong})
    assert denied.code == 1, denied
    assert "password authentication failed" in denied.err, denied
    assert len(denied.err.strip().splitlines()) == 1, denied

    # A password in --db: refused before anything starts, in one line saying where it goes.
    inline = f"FAKEinline{uuid.uuid4().hex}"
    bad = run(bucket.source, f"postgres:{lake} password={inline}", {})
    assert bad.code == 2, bad
    [line] = bad.err.strip().splitlines()
    assert "PGPASSWORD" in line and "~/.pgpass" in line and "PGSERVICE" in line, line

    results = (committed, refused, denied, bad)
    assert newsetl.home.joinpath("prefect.db").is_file()  # the runs went through this home
    for secret in (password, wrong, inline):
        assert not files_holding(secret, newsetl.home, data, reports, work)
        assert not files_holding(secret, *{path.parent for path in prefect_database()})
        assert not any(secret in result.out + result.err for result in results)
    # The catalog's own tables hold no password either (PostgreSQL keeps a SCRAM verifier).
    assert not files_holding(password, postgres_password.data / "base")
