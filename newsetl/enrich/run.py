"""One enrichment of the lake as one DuckLake snapshot: read the articles ingest added or
changed since the snapshot the last enrichment read (DuckLake's change feed on `articles`),
forget those it deleted, enrich the rest (newsetl.enrich.batch) against the signatures of the
days around them, and commit. A failed enrichment commits nothing and records nothing, so the
next one reads the same changes again; ingest never waits for it."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import polars as pl

from newsetl.common import checkpoints, interrupt
from newsetl.common.sqlfiles import sql_file
from newsetl.enrich.batch import Article, Options, Result, analyse_later, enrich, wanted_ids
from newsetl.enrich.duplicates import minhash_rows, packed
from newsetl.enrich.stories import Days, Scorer, Signature
from newsetl.lake.commit import (
    COMMIT_ATTEMPTS,
    bind,
    commit_message,
    current_snapshot,
    retry_or_raise,
    transaction,
)

# Articles read and enriched per step: bounds memory whatever one run brings.
BATCH = 2000
BY_DATE = "ORDER BY published_date NULLS LAST, key"


@dataclass
class Summary:
    run_id: str
    mode: str
    read_snapshot: int
    articles: int = 0
    forgotten: int = 0
    mentions: int = 0
    stories: int = 0
    snapshot_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def pending(con: duckdb.DuckDBPyConnection, everything: bool) -> tuple[list[str], list[str], int]:
    """(keys to enrich, keys to forget, the snapshot read). Everything: every current article,
    and every enriched key that is no longer current. Keys to enrich come by date, so a batch
    covers a few days and the context it reads is those days'."""
    now = current_snapshot(con)
    last = con.execute("SELECT max(read_snapshot) FROM enrich_runs").fetchone()[0]
    if everything or last is None:
        current = [
            r[0] for r in con.execute(f"SELECT key FROM articles_current {BY_DATE}").fetchall()
        ]
        gone = con.execute(
            "SELECT key FROM newsetl_internal.enrich_signatures "
            "EXCEPT SELECT key FROM articles_current"
        ).fetchall()
        return current, sorted(r[0] for r in gone), now
    if last >= now:
        return [], [], now
    try:
        changed = con.execute(
            "SELECT DISTINCT key FROM ducklake_table_changes('news', 'main', 'articles', ?, ?)",
            [last + 1, now],
        ).pl()
    except duckdb.Error:
        # The snapshots since the last enrichment were expired by maintenance: what is new or
        # reloaded since it started, and what it enriched that is no longer current.
        changed = con.execute(sql_file("enrich/changed.sql")).pl()
    bind(con, {"wanted": changed})
    current = [
        r[0]
        for r in con.execute(
            f"SELECT key FROM articles_current JOIN wanted USING (key) {BY_DATE}"
        ).fetchall()
    ]
    keys = set(changed["key"].to_list())
    return current, sorted(keys - set(current)), now


def read_known(con: duckdb.DuckDBPyConnection, wanted: set[str]) -> set[str]:
    """The lake's entity ids among `wanted` (those a batch's text could name): a run reads
    the entities its articles need, never the whole table."""
    bind(
        con,
        {
            "wanted_ids": pl.DataFrame(
                {"entity_id": sorted(wanted)}, schema={"entity_id": pl.String}
            )
        },
    )
    rows = con.execute("SELECT entity_id FROM entities JOIN wanted_ids USING (entity_id)")
    return {r[0] for r in rows.fetchall()}


def read_articles(con: duckdb.DuckDBPyConnection, keys: list[str]) -> list[Article]:
    bind(con, {"wanted": pl.DataFrame({"key": keys}, schema={"key": pl.String})})
    rows = con.execute(sql_file("enrich/read_articles.sql")).fetchall()
    return [
        Article(key, lang, day, title or "", list(paras or []))
        for key, lang, day, title, paras in rows
    ]


def read_context(
    con: duckdb.DuckDBPyConnection, articles: list[Article], exclude: set[str], window: int
) -> tuple[list[Signature], pl.DataFrame | None]:
    """Signatures of already enriched articles dated within `window` days of the batch's
    dates: a read of those days, which the lake prunes by its files' statistics, never every
    article.
    Returns them with their items (key and the three lists) as one frame: the items stay
    columnar (stories.Scorer codes them), never a Python set per signature."""
    days = sorted({a.published for a in articles if a.published})
    if not days:
        return [], None
    # Every day within the window of one of the batch's, once: the read is a join on the day,
    # inside the batch's whole range (which prunes the lake's files by their date statistics).
    wanted = sorted({d + timedelta(days=k) for d in days for k in range(-window, window + 1)})
    bind(con, {"window_days": pl.DataFrame({"day": wanted}, schema={"day": pl.Date})})
    frame = con.execute(
        "SELECT s.* RENAME (prefix_codes AS prefixes) "
        "FROM newsetl_internal.enrich_signatures AS s "
        "SEMI JOIN window_days AS w ON s.published_date = w.day "
        "WHERE s.published_date BETWEEN ? AND ?",
        [wanted[0], wanted[-1]],
    ).pl()
    if exclude:
        frame = frame.filter(~pl.col("key").is_in(sorted(exclude)))
    hashes = minhash_rows(frame["minhash"])
    signatures = [
        Signature(key, language or "", day, None, None, None, hashes[i], story_id)
        for i, (key, language, day, story_id) in enumerate(
            frame.select("key", "language", "published_date", "story_id").iter_rows()
        )
    ]
    return signatures, frame.select("key", *Scorer.ATTRS)


def frames(result: Result) -> dict[str, pl.DataFrame]:
    mentions = pl.DataFrame(
        [(k, m.entity_id, m.position, m.surface) for k, m in result.mentions],
        schema={
            "key": pl.String,
            "entity_id": pl.String,
            "position": pl.Int32,
            "surface": pl.String,
        },
        orient="row",
    )
    entities = pl.DataFrame(
        [(i, e["kind"], e["name"], e["name_kk"], e["name_ru"]) for i, e in result.entities.items()],
        schema={"entity_id": pl.String, "kind": pl.String, "name": pl.String,
                "name_kk": pl.String, "name_ru": pl.String},
        orient="row",
    )  # fmt: skip
    stories = pl.DataFrame(
        [(s.story_id, s.key) for s in result.signatures],
        schema={"story_id": pl.String, "key": pl.String},
        orient="row",
    )
    links = pl.DataFrame(
        [(x.key, x.other, x.score, x.entities, x.numbers, x.prefixes) for x in result.links],
        schema={"key": pl.String, "linked_to": pl.String, "score": pl.Float64,
                "entities": pl.Float64, "numbers": pl.Float64, "prefixes": pl.Float64},
        orient="row",
    )  # fmt: skip
    dups = pl.DataFrame(
        result.duplicates,
        schema={"key": pl.String, "duplicate_of": pl.String, "similarity": pl.Float64},
        orient="row",
    )
    signatures = pl.DataFrame(
        [(s.key, s.language, s.published, s.story_id, sorted(s.entities), sorted(s.numbers),
          sorted(s.prefixes), packed(s.minhash)) for s in result.signatures],
        schema={"key": pl.String, "language": pl.String, "published_date": pl.Date,
                "story_id": pl.String, "entities": pl.List(pl.String),
                "numbers": pl.List(pl.String), "prefix_codes": pl.List(pl.UInt64),
                "minhash": pl.Binary},
        orient="row",
    )  # fmt: skip
    return {
        "new_mentions": mentions,
        "new_entities": entities,
        "new_stories": stories,
        "new_links": links,
        "new_duplicates": dups,
        "new_signatures": signatures,
    }


def _start(con: duckdb.DuckDBPyConnection, keys: list[str], options: Options) -> tuple:
    articles = read_articles(con, keys)
    return articles, analyse_later(articles, options)


@contextmanager
def out_of_gc_reach() -> Iterator[None]:
    """While a run holds its batches' results until its one commit (millions of small objects
    at 100,000 articles, none in a reference cycle), the objects alive after each batch are
    moved out of the cyclic collector's reach (`gc.freeze`), so that its full collections do
    not walk them again and again; they are let back in when the run ends."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def enrich_lake(
    con: duckdb.DuckDBPyConnection,
    options: Options | None = None,
    *,
    everything: bool = False,
    run_id: str | None = None,
) -> Summary:
    """Enrich what changed (or everything) and commit it as one snapshot."""
    options = options or Options.of()
    started = datetime.now(UTC)
    run_id = run_id or uuid.uuid4().hex[:12]
    keys, gone, read_snapshot = pending(con, everything)
    summary = Summary(run_id, "all" if everything else "changes", read_snapshot)
    summary.forgotten = len(gone)
    # Names known before each batch: those this run found, and the lake's entities the batch's
    # text could name, unless every article is read again (then the run's own findings only,
    # so a name no article supports any more is not carried on).
    found: set[str] = set()
    merged = Result()
    done = Days(options.window_days)
    touched = set(gone)
    batches = [keys[offset : offset + BATCH] for offset in range(0, len(keys), BATCH)]
    upcoming = _start(con, batches[0], options) if batches else None
    with out_of_gc_reach():
        for index in range(len(batches)):
            articles, waiting = upcoming
            # The next batch's articles go to the workers before this one is linked.
            following = batches[index + 1] if index + 1 < len(batches) else None
            upcoming = _start(con, following, options) if following else None
            analysed = waiting()
            batch_keys = {a.key for a in articles}
            touched |= batch_keys
            context, stored = read_context(con, articles, touched, options.window_days)
            # This run's earlier batches, of the days around this one only.
            context += done.near_dates({a.published for a in articles}, batch_keys)
            known = found if everything else found | read_known(con, wanted_ids(analysed))
            result = enrich(articles, context, known, options, analysed=analysed, stored=stored)
            found |= set(result.entities)
            merged.mentions += result.mentions
            merged.signatures += result.signatures
            for sig in result.signatures:
                done.add(sig)
            merged.links += result.links
            merged.duplicates += result.duplicates
            for entity_id, row in result.entities.items():
                merged.entities.setdefault(entity_id, row)
            gc.freeze()  # what the batch added is kept until the commit: see out_of_gc_reach
    summary.articles = len(merged.signatures)
    summary.mentions = len(merged.mentions)
    summary.stories = len({s.story_id for s in merged.signatures})
    relations = frames(merged)
    relations["touched"] = pl.DataFrame({"key": sorted(touched)}, schema={"key": pl.String})
    if not touched:
        return summary  # nothing changed since the last enrichment: no snapshot
    bind(con, relations)
    interrupt.note_run(run_id)  # a signal's one line says whether this enrichment committed
    for attempt in range(COMMIT_ATTEMPTS):
        try:
            with transaction(con, on_commit=lambda: interrupt.note_committed(run_id)):
                expected = current_snapshot(con) + 1
                run_row = pl.DataFrame(
                    [{**{k: v for k, v in summary.as_dict().items() if k != "snapshot_id"},
                      "started_at": started, "finished_at": datetime.now(UTC),
                      "snapshot_id": expected}]
                )  # fmt: skip
                bind(con, {"run_row": run_row})
                con.execute(sql_file("enrich/write.sql"))
                if everything:
                    con.execute(sql_file("enrich/prune_entities.sql"))
                commit_message(con, run_id, "enrichment")
                checkpoints.reach("enriching")
            break
        except duckdb.Error as exc:
            retry_or_raise(exc, attempt)
    summary.snapshot_id = expected
    return summary
