"""Lake maintenance: merge the small files hourly runs leave, expire old snapshots, delete the
files nothing references any more. DuckLake's own functions do the work; this module orders them
and keeps them safe for readers (see `maintain`).

DuckLake's own time cut-offs cannot be trusted on a SQLite catalog: it keeps `snapshot_time` and
`schedule_start` as text ('2026-12-03 08:27:24.909205+00', in the writer's UTC offset) and
compares them, as text, with an ISO cut-off ('2026-12-03T07:27:24+00'). Since ' ' sorts before
'T', every file scheduled for deletion on or before the cut-off's date is listed whatever its
time, so `older_than => now() - INTERVAL '1 hour'` deletes files dropped a second ago; snapshots
are expired the same way. So snapshots are expired by explicit ids chosen with a real timestamp
comparison, and the clean-up is given a cut-off that is safe under the text comparison and
checked by a dry run before anything is deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import duckdb

from newsetl.common.catalog import WarehouseError
from newsetl.common.sqlfiles import ALIAS
from newsetl.lake.commit import COMMIT_ATTEMPTS, retry_or_raise, transaction
from newsetl.search import lists

# Files dropped by a merge or an expiry stay at least this long, so a query or transaction that
# started on an older snapshot finishes reading them; files no snapshot knows are left this long
# too, so a run still writing (on another machine, for a shared catalog) keeps its files.
GRACE = timedelta(hours=1)
METADATA = f"__ducklake_metadata_{ALIAS}"  # DuckLake's name for the attached catalog database
SCHEDULED = f"{METADATA}.ducklake_files_scheduled_for_deletion"


@dataclass
class Maintenance:
    search_lists: int
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


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchone()[0])


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


def _has_search_lists(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        _count(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'newsetl_internal' AND table_name = 'search_lists'",
            [ALIAS],
        )
    )


def _maintain_search_lists(con: duckdb.DuckDBPyConnection) -> int:
    """newsetl.search.lists.maintain in a transaction of its own, tried again after a conflict."""
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            with transaction(con):
                return lists.maintain(con)
        except duckdb.Error as exc:
            retry_or_raise(exc, attempt, con)
    raise AssertionError("retry_or_raise raises on the last attempt")


def expire_snapshots(con: duckdb.DuckDBPyConnection, retention_days: int, now: datetime) -> int:
    """Expire every snapshot taken more than `retention_days` before `now` but the latest, chosen
    by id with a timestamp comparison. Returns how many were expired."""
    cutoff = now - timedelta(days=retention_days)
    ids = [
        int(row[0])
        for row in con.execute(
            f"SELECT snapshot_id FROM ducklake_snapshots('{ALIAS}') "
            "WHERE CAST(snapshot_time AS TIMESTAMPTZ) < ? "
            f"AND snapshot_id < (SELECT max(snapshot_id) FROM ducklake_snapshots('{ALIAS}'))",
            [cutoff],
        ).fetchall()
    ]
    if not ids:
        return 0
    con.execute(f"CALL ducklake_expire_snapshots('{ALIAS}', versions => ?)", [ids]).fetchall()
    return len(ids)


def cleanup_cutoff(con: duckdb.DuckDBPyConnection, now: datetime, grace: timedelta) -> datetime:
    """The `older_than` for ducklake_cleanup_old_files that lists no file dropped less than
    `grace` ago, whether DuckLake compares as text (SQLite) or as timestamps (PostgreSQL): never
    later than now - grace, and before the stored date of every file still in its grace period
    (midnight UTC of the day before the earliest such date). A file dropped on that date but past
    its grace is then left for a later maintenance."""
    limit = now - grace
    young = con.execute(
        f"SELECT min(left(CAST(schedule_start AS VARCHAR), 10)) FROM {SCHEDULED} "
        "WHERE CAST(schedule_start AS TIMESTAMPTZ) >= ?",
        [limit],
    ).fetchone()[0]
    if young is None:
        return limit
    day_before = datetime.combine(date.fromisoformat(young) - timedelta(days=1), time(), UTC)
    return min(limit, day_before)


def cleanup_old_files(con: duckdb.DuckDBPyConnection, now: datetime, grace: timedelta) -> int:
    """Delete the files dropped more than `grace` ago. A dry run first: when DuckLake would list
    more files than are past the grace period, nothing is deleted and the maintenance fails."""
    cutoff = cleanup_cutoff(con, now, grace)
    past = _count(
        con,
        f"SELECT count(*) FROM {SCHEDULED} WHERE CAST(schedule_start AS TIMESTAMPTZ) < ?",
        [now - grace],
    )
    call = f"CALL ducklake_cleanup_old_files('{ALIAS}', older_than => ?, dry_run => ?)"
    listed = len(con.execute(call, [cutoff, True]).fetchall())
    if listed > past:
        raise WarehouseError(
            f"maintenance stopped before deleting files: DuckLake listed {listed} files to delete "
            f"where only {past} were dropped more than {grace} ago; nothing was deleted"
        )
    if not listed:
        return 0
    return len(con.execute(call, [cutoff, False]).fetchall())


def maintain(
    con: duckdb.DuckDBPyConnection, retention_days: int, grace: timedelta = GRACE
) -> Maintenance:
    """Run on a writer connection while holding the writer lock. Readers attached meanwhile keep
    reading their snapshot: a file a snapshot no longer needs is deleted only once `grace` has
    passed since it was dropped, whatever `retention_days` says."""
    if retention_days < 0:
        raise ValueError("retention_days must be 0 or more")
    before = _snapshots(con), _files(con)
    # The lists of common search terms first, so that the merge below compacts their new files
    # (a lake newsetl's migrations did not make has none).
    search_lists = _maintain_search_lists(con) if _has_search_lists(con) else 0
    flushed = len(con.execute(f"CALL ducklake_flush_inlined_data('{ALIAS}')").fetchall())
    merged = len(con.execute(f"CALL ducklake_merge_adjacent_files('{ALIAS}')").fetchall())
    now = datetime.now(UTC)
    expired = expire_snapshots(con, retention_days, now)
    deleted = cleanup_old_files(con, now, grace)
    orphans = len(
        con.execute(
            f"CALL ducklake_delete_orphaned_files('{ALIAS}', older_than => ?)", [now - grace]
        ).fetchall()
    )
    return Maintenance(
        search_lists=search_lists,
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
