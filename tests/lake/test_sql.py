"""The analyst surface against a real lake (moved from the version 1 fixture with `newsetl
migrate-warehouse`): the views' contents, full-text search in Kazakh and Russian with BM25 over
the whole warehouse, and every example query in sql/examples/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import newsetl
from newsetl.common import sqlfiles
from newsetl.common.catalog import Catalog
from newsetl.lake import connection, extensions
from tests.lake.test_migrations import build_lake

EXAMPLES = sorted((sqlfiles.SQL_DIR / "examples").glob("*.sql"))

# Column names each example returns. A new example needs an entry here.
EXAMPLE_COLUMNS = {
    "articles_per_month_by_language.sql": ["month", "language", "articles"],
    "latest_articles.sql": ["published_date", "language", "title", "paragraph_count", "word_count"],
    "busiest_sections.sql": ["language", "section", "articles", "words", "first_day", "last_day"],
    "freshness.sql": [
        "newest_published_date",
        "days_since_newest_article",
        "last_completed_run_at",
        "hours_since_last_completed_run",
        "last_run_at",
        "last_run_status",
        "newest_article_lag_days_at_run",
        "current_articles",
    ],
    "latest_quality_failures.sql": [
        "run_id",
        "run_status",
        "finished_at",
        "suite",
        "expectation",
        "severity",
        "column_name",
        "unexpected_count",
        "element_count",
        "unexpected_percent",
    ],
    "latest_stories.sql": [
        "first_date",
        "last_date",
        "languages",
        "articles",
        "title_kk",
        "title_ru",
    ],
    "top_entities.sql": [
        "name_kk",
        "name_ru",
        "kind",
        "mentions",
        "articles",
        "languages",
    ],
    "most_cited_countries.sql": ["country", "mentions", "articles", "kk_articles", "ru_articles"],
    "most_cited_people.sql": ["person", "mentions", "articles", "languages"],
    "quality_trend.sql": [
        "finished_at",
        "run_id",
        "run_status",
        "suite",
        "expectations",
        "failed",
        "critical_failed",
        "pass_rate",
        "rows_validated",
        "unexpected_total",
        "unexpected_rate",
    ],
    "quarantine_reasons.sql": ["reason", "objects", "bytes", "oldest_days", "sample_keys"],
    "search_diplomacy.sql": ["key", "title", "published_date", "language", "score"],
    "entity_timeline.sql": ["name", "published_date", "language", "mentions", "articles"],
    "most_mentioned_per_week.sql": ["week", "language", "name", "kind", "mentions", "articles"],
    "stories_one_language.sql": [
        "story_id",
        "first_date",
        "languages",
        "article_count",
        "title",
    ],
    "people_together.sql": ["person", "with_person", "articles"],
}

RU = "incoming/004_7354ca18adfe16e0.txt"  # title: "МИД: Встречи с дипломатами и ..."
RU_SLOVENIA = "incoming/005_ru_slovenia.txt"
RU_DELETED = "incoming/006_ru_cairo.txt"  # the only article about Egypt (Египте, Египта)
KK_DOHA = "incoming/001_97a145f7f1734331.txt"  # "Доха форумы: ..."
KK_SENATE = "incoming/003_5c9351a6b67bfa3b.txt"


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One lake for the read-only tests of this module, enriched (newsetl.enrich)."""
    from newsetl.enrich.run import enrich_lake
    from newsetl.lake.migrations import prepare

    lake = build_lake(tmp_path_factory.mktemp("warehouse"))
    con = connection.connect(Catalog.parse(str(lake)))
    try:
        prepare(con)
        enrich_lake(con)
    finally:
        con.close()
    return lake


@pytest.fixture
def ro(shared_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = newsetl.connect(str(shared_db))
    yield con
    con.close()


@pytest.fixture
def rw(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private lake for tests that change rows, opened as the pipeline's writer."""
    con = connection.connect(Catalog.parse(build_lake(tmp_path)))
    yield con
    con.close()


def hits(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    return [row[0] for row in con.execute("SELECT key FROM search_articles(?)", [query]).fetchall()]


def test_articles_current_leaves_out_deleted_articles(ro: duckdb.DuckDBPyConnection) -> None:
    keys = [row[0] for row in ro.execute("SELECT key FROM articles_current").fetchall()]
    assert len(keys) == 6
    assert RU_DELETED not in keys
    columns = [d[0] for d in ro.execute("SELECT * FROM articles_current LIMIT 0").description]
    assert "deleted_at" not in columns
    assert {"key", "title", "body", "published_date", "language"} <= set(columns)


def test_articles_daily_counts_by_date_language_and_section(
    ro: duckdb.DuckDBPyConnection,
) -> None:
    rows = ro.execute(
        "SELECT published_date, language, section, articles FROM articles_daily "
        "ORDER BY published_date NULLS FIRST"
    ).fetchall()
    assert sum(row[3] for row in rows) == 6
    assert (dt.date(2024, 3, 26), "kk", "Сенат", 1) in rows
    assert (dt.date(2026, 3, 7), "ru", "Дипломатия", 1) in rows
    assert (None, "kk", None, 1) in rows  # the Doha article has no date
    assert dt.date(2026, 3, 6) in [row[0] for row in rows]  # 004 stays; 006 (deleted) is gone
    assert ro.execute(
        "SELECT articles FROM articles_daily WHERE published_date = DATE '2026-03-06'"
    ).fetchall() == [(1,)]


def test_dq_latest_holds_only_the_latest_run(ro: duckdb.DuckDBPyConnection) -> None:
    rows = ro.execute("SELECT DISTINCT run_id, run_status, finished_at FROM dq_latest").fetchall()
    assert [row[:2] for row in rows] == [("run-20260308", "completed")]
    failed = ro.execute(
        "SELECT expectation FROM dq_latest WHERE NOT success ORDER BY expectation"
    ).fetchall()
    assert failed == [("body_min_length",), ("title_not_null",)]
    assert ro.execute("SELECT count(*) FROM dq_latest").fetchone()[0] == 6


def test_dq_trend_gives_the_pass_rate_per_run_and_suite(ro: duckdb.DuckDBPyConnection) -> None:
    rows = ro.execute(
        "SELECT run_id, suite, expectations, succeeded, failed, pass_rate, unexpected_total, "
        "rows_validated FROM dq_trend ORDER BY finished_at, suite"
    ).fetchall()
    assert len(rows) == 6
    by_key = {(row[0], row[1]): row[2:] for row in rows}
    assert by_key[("run-20260306", "articles")] == (4, 2, 2, 0.5, 2, 8)
    assert by_key[("run-20260306", "batch")] == (2, 2, 0, 1.0, 0, 8)
    assert by_key[("run-20260307", "articles")] == (4, 2, 2, 0.5, 2, 1)


def test_quarantine_open_shows_reasons_size_and_age(ro: duckdb.DuckDBPyConnection) -> None:
    rows = ro.execute(
        "SELECT key, reasons, reason_count, size, age_days >= 1, age > INTERVAL 1 HOUR "
        "FROM quarantine_open ORDER BY key"
    ).fetchall()
    assert rows == [
        ("incoming/007_empty.txt", ["content_not_empty"], 1, 0, True, True),
        ("incoming/008_caption_only.txt", ["body_min_length", "title_not_null"], 2, 19, True, True),
    ]
    columns = [d[0] for d in ro.execute("SELECT * FROM quarantine_open LIMIT 0").description]
    assert "raw" not in columns


def test_source_freshness_counts_only_completed_runs(rw: duckdb.DuckDBPyConnection) -> None:
    def freshness() -> tuple:
        return rw.execute(
            "SELECT newest_published_date, last_completed_run_at, last_run_status, "
            "current_articles, days_since_newest_article, newest_article_lag_days_at_run, "
            "hours_since_last_completed_run FROM source_freshness"
        ).fetchone()

    newest, completed, status, current, days, lag, hours = freshness()
    assert newest == dt.date(2026, 3, 7)
    assert completed == dt.datetime(2026, 3, 8, 9, tzinfo=dt.UTC)
    assert (status, current, lag) == ("completed", 6, 1)
    assert days == (dt.date.today() - newest).days
    expected_hours = (dt.datetime.now(dt.UTC) - completed).total_seconds() / 3600
    assert abs(hours - expected_hours) < 1
    rw.execute(
        "INSERT INTO ingest_runs SELECT * REPLACE ('run-late' AS run_id, 'failed_quality' AS "
        "status, finished_at + INTERVAL 2 DAY AS finished_at) FROM ingest_runs "
        "WHERE run_id = 'run-20260308'"
    )
    _, completed_after, status_after, *_ = freshness()
    assert completed_after == completed
    assert status_after == "failed_quality"


# -- full-text search ------------------------------------------------------------------------


def test_search_articles_returns_exactly_its_columns(ro: duckdb.DuckDBPyConnection) -> None:
    result = ro.execute("SELECT * FROM search_articles('дипломатов')")
    assert [d[0] for d in result.description] == [
        "key",
        "title",
        "published_date",
        "language",
        "score",
    ]
    rows = result.fetchall()
    assert rows and all(isinstance(row[4], float) and row[4] > 0 for row in rows)
    assert [row[4] for row in rows] == sorted((row[4] for row in rows), reverse=True)


def test_russian_word_forms_are_stemmed(ro: duckdb.DuckDBPyConnection) -> None:
    title = ro.execute("SELECT title FROM articles WHERE key = ?", [RU]).fetchone()[0]
    assert "дипломатами" in title and "дипломатов" not in title
    # дипломатов (genitive) finds the article that only says дипломатами (instrumental), ...
    assert hits(ro, "дипломатов")[0] == RU
    assert hits(ro, "ДИПЛОМАТ") == hits(ro, "дипломатов")
    # ... and Slovenia's article by another case of its name (it says Словении, Словенией).
    assert hits(ro, "Словения") == [RU_SLOVENIA]


def test_kazakh_word_forms_are_stemmed(ro: duckdb.DuckDBPyConnection) -> None:
    # Kazakh-only letters survive tokenising, in any case.
    assert hits(ro, "Доха") == [KK_DOHA]
    assert hits(ro, "ДОХА форумы")[0] == KK_DOHA
    assert hits(ro, "ӘШІМБАЕВ") == [KK_SENATE]
    # Suffix chains: the Senate article says сенаторымен and сенаторы, never сенатор; the
    # genitive and the bare name find each other.
    body = ro.execute("SELECT title || body FROM articles WHERE key = ?", [KK_SENATE]).fetchone()
    assert "сенаторымен" in body[0] and " сенатор " not in body[0]
    assert hits(ro, "сенатор") == [KK_SENATE]
    assert hits(ro, "Әшімбаевтың") == [KK_SENATE]
    assert set(hits(ro, "Қазақстан")) == set(hits(ro, "Қазақстанның"))
    kazakh = {row[0] for row in ro.execute(
        "SELECT key FROM articles_current WHERE language = 'kk'").fetchall()}  # fmt: skip
    assert set(hits(ro, "Қазақстан")) >= kazakh - {KK_SENATE}
    assert set(hits(ro, "министр")) >= {"incoming/000_87f847a6d181454e.txt"}  # министрі


def test_one_ranking_over_the_whole_warehouse(ro: duckdb.DuckDBPyConnection) -> None:
    """BM25 with the statistics of every indexed article: a word in fewer articles weighs more,
    whatever their month or language, and both languages rank in one list."""
    both = ro.execute(
        "SELECT DISTINCT language FROM search_articles('Қазақстан Казахстан')"
    ).fetchall()
    assert sorted(both) == [("kk",), ("ru",)]
    docs, avgdl = ro.execute(
        "SELECT count(*), avg(length) FROM newsetl_internal.search_docs"
    ).fetchone()
    assert docs == 6
    # The score of a one-word query, recomputed from the postings by hand.
    key, score = ro.execute("SELECT key, score FROM search_articles('Египте')").fetchone() or (
        None,
        None,
    )
    assert key is None  # only the deleted article mentions Egypt
    key, score = ro.execute("SELECT key, score FROM search_articles('Словения')").fetchone()
    tf, length, df = ro.execute(
        "SELECT p.tf, d.length, (SELECT count(*) FROM newsetl_internal.search_postings q "
        "WHERE q.lang = p.lang AND q.term = p.term) FROM newsetl_internal.search_postings p "
        "JOIN newsetl_internal.search_docs d USING (doc) WHERE d.key = ? AND p.term = 'словен'",
        [key],
    ).fetchone()
    import math

    idf = math.log(1 + (docs - df + 0.5) / (df + 0.5))
    expected = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / avgdl))
    assert score == pytest.approx(expected)


def test_unicode_punctuation_does_not_stick_to_words(ro: duckdb.DuckDBPyConnection) -> None:
    # The Senate article has the word only as «... тиіс», : it is still found as тиіс.
    body = ro.execute("SELECT body FROM articles WHERE key = ?", [KK_SENATE]).fetchone()[0]
    assert "тиіс»," in body and "тиіс " not in body
    assert hits(ro, "тиіс") == [KK_SENATE]


def test_queries_are_normalised_like_the_text(ro: duckdb.DuckDBPyConnection) -> None:
    # A stress mark and a soft hyphen inside the query word do not split it.
    assert hits(ro, "диплома\u0301тов") == hits(ro, "дипломатов")
    assert hits(ro, "До\u00adха") == [KK_DOHA]


def test_stopwords_alone_find_nothing(ro: duckdb.DuckDBPyConnection) -> None:
    assert hits(ro, "и в на с") == []
    assert hits(ro, "және мен") == []
    assert hits(ro, "") == []


def test_hostile_queries_are_just_words(ro: duckdb.DuckDBPyConnection) -> None:
    assert hits(ro, "'); DROP TABLE articles; --") == []
    assert ro.execute("SELECT count(*) FROM articles").fetchone() == (7,)


def test_deleted_articles_are_not_found(ro: duckdb.DuckDBPyConnection) -> None:
    body = ro.execute("SELECT body FROM articles WHERE key = ?", [RU_DELETED]).fetchone()[0]
    assert "Египте" in body
    assert hits(ro, "Египтом") == []


def test_the_macros_need_only_duckdb_and_fts(shared_db: Path) -> None:
    """The plain recipe for someone with their own DuckDB: ATTACH the lake under any name and
    search it; the macros resolve their internal tables in the lake."""
    con = duckdb.connect()
    try:
        for name in ("ducklake", "sqlite_scanner", "fts"):
            con.execute(f"LOAD '{extensions.extension_path(name)}'")
        con.execute(f"ATTACH 'ducklake:sqlite:{shared_db}' AS archive (READ_ONLY)")
        con.execute("USE archive")
        assert hits(con, "дипломатов")[0] == RU
    finally:
        con.close()


# -- examples --------------------------------------------------------------------------------


def test_every_example_has_an_expected_shape() -> None:
    assert len(EXAMPLES) >= 8
    assert sorted(path.name for path in EXAMPLES) == sorted(EXAMPLE_COLUMNS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example(path: Path, ro: duckdb.DuckDBPyConnection) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("-- "), "an example starts with the question it answers"
    statements = ro.extract_statements(text)
    assert len(statements) == 1
    result = ro.execute(text)
    assert [d[0] for d in result.description] == EXAMPLE_COLUMNS[path.name]
    rows = result.fetchall()
    assert rows, "the test warehouse has data for every example"


def example(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute(sqlfiles.sql_file(f"examples/{name}")).fetchall()


def test_example_answers(ro: duckdb.DuckDBPyConnection) -> None:
    countries = {row[0]: row[1:] for row in example(ro, "most_cited_countries.sql")}
    assert next(iter(countries)) == "Kazakhstan"
    assert countries["Kazakhstan"][1:] == (6, 4, 2)  # articles, kk, ru
    assert countries["Algeria"][2:] == (1, 0)
    assert "Egypt" not in countries  # only the deleted article mentions it
    people = {row[0]: row[1] for row in example(ro, "most_cited_people.sql")}
    assert people["Мәулен Әшімбаев"] == 3
    assert people["Алибек Бакаев"] == 2
    assert "Қасым-Жомарт Тоқаев" in people
    found = example(ro, "search_diplomacy.sql")
    assert {row[0] for row in found} >= {RU, KK_DOHA}
    reasons = {row[0]: row[1] for row in example(ro, "quarantine_reasons.sql")}
    assert reasons == {"body_min_length": 1, "content_not_empty": 1, "title_not_null": 1}
    trend = example(ro, "quality_trend.sql")
    assert trend[0][1] == "run-20260308"


def test_a_script_runs_as_duckdb_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scripts under sql/ run whole through DuckDB's own multi-statement execution: a `;` inside
    a string or a comment is not the end of a statement (a hand-made splitter got both wrong)."""
    (tmp_path / "role").mkdir()
    (tmp_path / "role" / "script.sql").write_text(
        "CREATE TABLE t AS SELECT 'а;\nб' AS v; -- a comment; with a semicolon\n"
        "INSERT INTO t VALUES ('в;г'); /* a block; comment */ INSERT INTO t VALUES ('д');\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sqlfiles, "SQL_DIR", tmp_path)
    con = duckdb.connect()
    sqlfiles.run_script(con, "role/script.sql")
    assert con.execute("SELECT v FROM t ORDER BY v").fetchall() == [("а;\nб",), ("в;г",), ("д",)]
