"""The enrichment on a real DuckLake catalog: every current article in exactly one story, no
mention of a deleted article, and a second run that reads only what changed since the first.
Articles are written as ingest writes them (rows in articles and paragraphs, deletion by
deleted_at), one snapshot per change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from bench.eval_enrich import load
from newsetl.common.catalog import Catalog
from newsetl.enrich.run import enrich_lake
from newsetl.lake.commit import transaction
from newsetl.lake.connection import connect
from newsetl.lake.migrations import prepare


def put(con, article) -> None:
    """One article as the load writes it: its old rows replaced."""
    now = datetime.now(UTC)
    body = "\n\n".join(article.paragraphs)
    with transaction(con):
        con.execute("DELETE FROM articles WHERE key = ?", [article.key])
        con.execute("DELETE FROM paragraphs WHERE key = ?", [article.key])
        con.execute(
            "INSERT INTO articles (key, doc_id, title, published_date, date_source, language, "
            "body, paragraph_count, char_count, word_count, source_encoding, content_sha256, "
            "mojibake_repaired, etag, run_id, loaded_at) VALUES "
            "(?, ?, ?, ?, 'header', ?, ?, ?, ?, ?, 'utf-8', md5(?), false, 'e', 'r', ?)",
            [article.key, article.key, article.title, article.published, article.language,
             body, len(article.paragraphs), len(body), len(body.split()), body, now],
        )  # fmt: skip
        for position, text in enumerate(article.paragraphs, 1):
            con.execute("INSERT INTO paragraphs VALUES (?, ?, ?)", [article.key, position, text])


@pytest.fixture
def lake(tmp_path: Path):
    con = connect(Catalog.parse(str(tmp_path / "news.sqlite"), None))
    prepare(con)
    yield con
    con.close()


def invariants(con) -> None:
    current = {r[0] for r in con.execute("SELECT key FROM articles_current").fetchall()}
    rows = con.execute("SELECT key, count(*) FROM story_articles GROUP BY key").fetchall()
    assert {k for k, _ in rows} == current
    assert all(n == 1 for _, n in rows)
    stray = con.execute(
        "SELECT count(*) FROM entity_mentions WHERE key NOT IN (SELECT key FROM articles_current)"
    ).fetchone()[0]
    assert stray == 0


def test_enrichment_reads_changes_and_forgets_deleted_articles(lake) -> None:
    gold, articles = load()
    by_key = {a.key: a for a in articles}
    story = {k: a["story"] for k, a in gold["articles"].items()}
    # Story S01 (two Russian, one Kazakh article) and a distractor a day later.
    first = ["052", "085", "007"]
    for key in first:
        put(lake, by_key[key])
    summary = enrich_lake(lake)
    assert summary.articles == 3 and summary.snapshot_id is not None
    invariants(lake)
    ids = dict(lake.execute("SELECT key, story_id FROM story_articles").fetchall())
    assert ids["052"] == ids["085"]
    assert ids["007"] != ids["052"]
    assert (
        lake.execute(
            "SELECT count(*) FROM entity_mentions JOIN entities USING (entity_id) "
            "WHERE entity_id = 'person:токаев' AND key IN ('052', '085')"
        ).fetchone()[0]
        >= 4
    )

    # Nothing changed: nothing read, no snapshot.
    assert enrich_lake(lake).snapshot_id is None

    # The third article of S01 arrives and one article leaves the source.
    put(lake, by_key["064"])
    with transaction(lake):
        lake.execute("UPDATE articles SET deleted_at = now() WHERE key = '007'")
    summary = enrich_lake(lake)
    assert (summary.articles, summary.forgotten) == (1, 1)
    invariants(lake)
    ids = dict(lake.execute("SELECT key, story_id FROM story_articles").fetchall())
    assert story["064"] == story["052"] and ids["064"] == ids["052"]
    assert lake.execute("SELECT count(*) FROM entity_mentions WHERE key = '007'").fetchone()[0] == 0
    runs = lake.execute("SELECT mode, articles FROM enrich_runs ORDER BY snapshot_id").fetchall()
    assert runs == [("changes", 3), ("changes", 1)]


def test_only_a_run_over_every_article_drops_entities_no_mention_names(lake) -> None:
    """A run over changes leaves an entity whose last mention went with a deleted article (it
    would have to read every mention of the lake to know); a run over every article drops it."""
    _, articles = load()
    by_key = {a.key: a for a in articles}
    for key in ("052", "007"):
        put(lake, by_key[key])
    enrich_lake(lake)

    def named_by(key: str) -> set[str]:
        rows = lake.execute("SELECT entity_id FROM entity_mentions WHERE key = ?", [key])
        return {r[0] for r in rows.fetchall()}

    only_007 = named_by("007") - named_by("052")
    assert only_007
    with transaction(lake):
        lake.execute("UPDATE articles SET deleted_at = now() WHERE key = '007'")
    enrich_lake(lake)
    entities = {r[0] for r in lake.execute("SELECT entity_id FROM entities").fetchall()}
    assert only_007 <= entities
    enrich_lake(lake, everything=True)
    entities = {r[0] for r in lake.execute("SELECT entity_id FROM entities").fetchall()}
    assert not only_007 & entities
    assert named_by("052") <= entities


def test_stories_view_and_analyst_macros(lake) -> None:
    _, articles = load()
    for article in articles:
        if article.published and article.published < date(2020, 1, 1):
            put(lake, article)
    enrich_lake(lake, everything=True)
    invariants(lake)
    total = lake.execute("SELECT sum(article_count) FROM stories").fetchone()[0]
    assert total == lake.execute("SELECT count(*) FROM articles_current").fetchone()[0]
    timeline = lake.execute("SELECT DISTINCT language FROM entity_timeline('Токаев')").fetchall()
    assert {r[0] for r in timeline} == {"kk", "ru"}
    assert lake.execute("SELECT count(*) FROM people_together").fetchone()[0] > 0
    assert lake.execute("SELECT count(*) FROM entity_weekly").fetchone()[0] > 0
    lake.execute("SELECT * FROM stories_one_language").fetchall()


def test_linking_reads_only_the_days_around_new_articles(lake) -> None:
    from dataclasses import replace

    from newsetl.enrich.run import read_context

    _, articles = load()
    by_key = {a.key: a for a in articles}
    for key in ("052", "085", "064"):  # 2019-09-02 and 2019-09-03
        put(lake, by_key[key])
    enrich_lake(lake)
    near = replace(by_key["007"], published=date(2019, 9, 4))
    far = replace(by_key["007"], published=date(2019, 9, 10))
    signatures, stored = read_context(lake, [near], set(), 2)
    assert {s.key for s in signatures} == {"052", "085", "064"}
    # The items stay in the frame, one row per signature, as the enrichment wrote them.
    assert sorted(stored["key"]) == sorted(s.key for s in signatures)
    assert all(s.entities is None and len(s.minhash) == 64 for s in signatures)
    written = lake.execute(
        "SELECT key, prefix_codes FROM newsetl_internal.enrich_signatures WHERE key = '052'"
    ).fetchone()
    assert stored.filter(pl.col("key") == "052")["prefixes"].to_list() == [written[1]]
    assert {s.key for s in read_context(lake, [near], set(), 1)[0]} == {"064"}
    assert {s.key for s in read_context(lake, [near], {"064"}, 1)[0]} == set()
    assert read_context(lake, [near], set(), 0)[0] == []
    assert read_context(lake, [far], set(), 2)[0] == []


def test_changes_are_found_after_maintenance_expired_the_snapshots(lake) -> None:
    from newsetl.lake.maintain import maintain

    _, articles = load()
    by_key = {a.key: a for a in articles}
    put(lake, by_key["052"])
    put(lake, by_key["085"])
    enrich_lake(lake)
    put(lake, by_key["064"])
    with transaction(lake):
        lake.execute("UPDATE articles SET deleted_at = now() WHERE key = '085'")
    maintain(lake, 0)  # every snapshot but the current one expired
    summary = enrich_lake(lake)
    assert (summary.articles, summary.forgotten) == (1, 1)
    invariants(lake)
    assert enrich_lake(lake).snapshot_id is None


def test_a_run_leaves_the_garbage_collector_as_it_found_it(lake, monkeypatch) -> None:
    """The run moves what it keeps out of the collector's reach and collects less often while it
    runs (newsetl.enrich.run.out_of_gc_reach); afterwards, and after a failed run, the process's
    collector is as before."""
    import gc

    import newsetl.enrich.run as run

    _, articles = load()
    for article in articles[:3]:
        put(lake, article)
    before = gc.get_threshold()
    seen: list[tuple[int, int]] = []
    enrich = run.enrich

    def watched(*args, **kwargs):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        return enrich(*args, **kwargs)

    monkeypatch.setattr(run, "enrich", watched)
    assert enrich_lake(lake).articles == 3
    assert seen and seen[0][0] > before[0]  # collected less often during the run
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0

    def failing(*args, **kwargs):
        gc.freeze()
        raise RuntimeError("enrichment failed")

    put(lake, articles[3])
    monkeypatch.setattr(run, "enrich", failing)
    with pytest.raises(RuntimeError):
        enrich_lake(lake)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
