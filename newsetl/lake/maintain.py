"""Lake maintenance: merge the small files hourly runs leave, expire old snapshots, delete the
files nothing references any more. DuckLake's own functions do the work; this module only
orders them and keeps them safe for readers (see `maintain`)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from newsetl.common.sqlfiles import ALIAS

# Files dropped by a merge or an expiry stay this long, so a query that started on an older
# snapshot finishes reading them; files no snapshot knows are left this long too, so a run still
# writing (on another machine, for a shared catalog) keeps its uncommitted files.
GRACE = "1 hour"


@dataclass
class Maintenance:
    flushed: int
    merged: int
    expired: int
    deleted_files: int
    orphans_deleted: int
    snapshots_before: int
    snapshots_after: int
    files_before: int
    files_after: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def _snapshots(con: duckdb.DuckDBPyConnection) -> int:
    return _count(con, f"SELECT count(*) FROM ducklake_snapshots('{ALIAS}')")


def _files(con: duckdb.DuckDBPyConnection) -> int:
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [ALIAS]
    ).fetchall()
    return sum(
        _count(
            con,
            f"SELECT count(*) FROM ducklake_list_files('{ALIAS}', '{table}', schema => '{schema}')",
        )
        for schema, table in tables
    )


def maintain(con: duckdb.DuckDBPyConnection, retention_days: int) -> Maintenance:
    """Run on a writer connection while holding the writer lock. Readers attached meanwhile keep
    reading: nothing they may still read is deleted before GRACE has passed."""
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    before = _snapshots(con), _files(con)
    flushed = len(con.execute(f"CALL ducklake_flush_inlined_data('{ALIAS}')").fetchall())
    merged = len(con.execute(f"CALL ducklake_merge_adjacent_files('{ALIAS}')").fetchall())
    expired = len(
        con.execute(
            f"CALL ducklake_expire_snapshots('{ALIAS}', "
            "older_than => now() - to_days(CAST(? AS INTEGER)))",
            [retention_days],
        ).fetchall()
    )
    deleted = len(
        con.execute(
            f"CALL ducklake_cleanup_old_files('{ALIAS}', older_than => now() - INTERVAL '{GRACE}')"
        ).fetchall()
    )
    orphans = len(
        con.execute(
            f"CALL ducklake_delete_orphaned_files('{ALIAS}', "
            f"older_than => now() - INTERVAL '{GRACE}')"
        ).fetchall()
    )
    return Maintenance(
        flushed=flushed,
        merged=merged,
        expired=expired,
        deleted_files=deleted,
        orphans_deleted=orphans,
        snapshots_before=before[0],
        snapshots_after=_snapshots(con),
        files_before=before[1],
        files_after=_files(con),
    )
