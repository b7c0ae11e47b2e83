"""The analyst surface against a real warehouse file: the views' contents, full-text search in
Kazakh and Russian (the fts extension loaded offline from its PyPI package), and every example
query in sql/examples/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from newsetl import search, warehouse
from tests.test_migrations import build_v1

EXAMPLES = sorted((warehouse.SQL_DIR / "examples").glob("*.sql"))

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
}

RU = "incoming/004_7354ca18adfe16e0.txt"  # title: "МИД: Встречи с дипломатами и ..."
RU_SLOVENIA = "incoming/005_ru_slovenia.txt"
RU_DELETED = "incoming/006_ru_cairo.txt"  # the only article about Egypt (Египте, Египта)
KK_DOHA = "incoming/001_97a145f7f1734331.txt"  # "Доха форумы: ..."
KK_SENATE = "incoming/003_5c9351a6b67bfa3b.txt"


def build_warehouse(db: Path) -> Path:
    build_v1(db)
    with duckdb.connect(str(db)) as con:
        warehouse.migrate(con)
        search.refresh_search_index(con)
    return db


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, indexed warehouse for the read-only tests of this module."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse") / "news.duckdb")


@pytest.fixture
def ro(shared_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = search.connect_reader(shared_db)
    yield con
    con.close()


@pytest.fixture
def rw(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A private warehouse for tests that change articles."""
    con = duckdb.connect(str(build_warehouse(tmp_path / "news.duckdb")))
    search.load_fts(con)
    yield con
    con.close()


def hits(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    return [row[0] for row in con.execute("SELECT key FROM search_articles(?)", [query]).fetchall()]


def copy_article(con: duckdb.DuckDBPyConnection, source_key: str, new_key: str) -> None:
    """A new current article with the (real) text of an existing one."""
    con.execute(
        "INSERT INTO articles SELECT * REPLACE (? AS key, NULL::TIMESTAMPTZ AS deleted_at) "
        "FROM articles WHERE key = ?",
        [new_key, source_key],
    )


# -- views -----------------------------------------------------------------------------------


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


def test_kazakh_words_match_lowercased_without_a_stemmer(ro: duckdb.DuckDBPyConnection) -> None:
    # Kazakh-only letters survive tokenizing (the fts default would delete every Cyrillic one).
    assert hits(ro, "Доха") == [KK_DOHA]
    assert hits(ro, "ДОХА форумы")[0] == KK_DOHA
    assert hits(ro, "Әшімбаев") == [KK_SENATE]
    assert hits(ro, "ӘШІМБАЕВ") == [KK_SENATE]
    assert set(hits(ro, "ынтымақтастық")) >= {KK_SENATE}
    # No stemmer: a different Kazakh form is a different word.
    assert hits(ro, "Әшімбаевтың") == []
    languages = ro.execute("SELECT DISTINCT language FROM search_articles('Қазақстан')").fetchall()
    assert languages == [("kk",)]


def partitions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Search partition table -> its language, as recorded by the last refresh."""
    return dict(con.execute("SELECT name, lang FROM search_partitions").fetchall())


def indexed_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every key in some search partition's table."""
    union = " UNION ALL ".join(f"SELECT key FROM {name}" for name in partitions(con))
    return sorted(row[0] for row in con.execute(union).fetchall())


def test_the_tokenizer_keeps_kazakh_and_russian_letters(ro: duckdb.DuckDBPyConnection) -> None:
    one_per_language = {lang: name for name, lang in sorted(partitions(ro).items())}
    assert sorted(one_per_language) == ["kk", "ru"]
    for schema in (f"fts_main_{name}" for name in one_per_language.values()):
        tokens = ro.execute(
            f"SELECT {schema}.tokenize('ӘҒҚҢӨҰҮҺІ әғқңөұүһі, Ёлка-ЖЁЛТЫЙ: «Екі» — №5 AIF 2026')"
        ).fetchone()[0]
        assert tokens == [
            "әғқңөұүһі",
            "әғқңөұүһі",
            "ёлка",
            "жёлтый",
            "екі",
            "5",
            "aif",
            "2026",
        ]


def test_unicode_punctuation_does_not_stick_to_words(ro: duckdb.DuckDBPyConnection) -> None:
    # The Senate article has the word only as «... тиіс», : the fts default ignore regex (ASCII
    # punctuation) would index it as "тиіс»".
    body = ro.execute("SELECT body FROM articles WHERE key = ?", [KK_SENATE]).fetchone()[0]
    assert "тиіс»," in body and "тиіс " not in body
    assert hits(ro, "тиіс") == [KK_SENATE]


def test_queries_are_normalised_like_the_text(ro: duckdb.DuckDBPyConnection) -> None:
    # A stress mark and a soft hyphen inside the query word do not split it.
    assert hits(ro, "диплома\u0301тов") == [RU]
    assert hits(ro, "До\u00adха") == [KK_DOHA]


def test_stopwords_alone_find_nothing(ro: duckdb.DuckDBPyConnection) -> None:
    assert hits(ro, "и в на с") == []
    assert hits(ro, "және мен") == []


def test_deleted_articles_are_not_found(rw: duckdb.DuckDBPyConnection) -> None:
    body = rw.execute("SELECT body FROM articles WHERE key = ?", [RU_DELETED]).fetchone()[0]
    assert "Египте" in body
    assert hits(rw, "Египтом") == []
    rw.execute("UPDATE articles SET deleted_at = now() WHERE key = ?", [RU])
    assert hits(rw, "дипломатов") == []  # gone at once: the macro reads articles_current
    search.refresh_search_index(rw)
    assert hits(rw, "дипломатов") == []
    assert RU not in indexed_keys(rw)


def test_refresh_picks_up_new_and_changed_articles(rw: duckdb.DuckDBPyConnection) -> None:
    copy_article(rw, RU_DELETED, "incoming/010_ru_cairo_again.txt")
    copy_article(rw, KK_DOHA, "incoming/011_kk_doha_again.txt")
    assert hits(rw, "Египтом") == []  # not indexed yet
    search.refresh_search_index(rw)
    assert hits(rw, "Египтом") == ["incoming/010_ru_cairo_again.txt"]
    assert sorted(hits(rw, "Доха")) == sorted([KK_DOHA, "incoming/011_kk_doha_again.txt"])
    rw.execute(
        "UPDATE articles SET title = 'Ұлыбритания Парламенті', language = 'kk' WHERE key = ?",
        ["incoming/010_ru_cairo_again.txt"],
    )
    search.refresh_search_index(rw)
    assert hits(rw, "Египтом") == []  # now in the unstemmed index: only exact forms match
    assert "incoming/010_ru_cairo_again.txt" in hits(rw, "Египте")
    assert "incoming/010_ru_cairo_again.txt" in hits(rw, "парламенті")


def test_partitions_follow_language_and_month(rw: duckdb.DuckDBPyConnection) -> None:
    expected = rw.execute(
        "SELECT key, language, published_date FROM articles_current ORDER BY key"
    ).fetchall()
    assert indexed_keys(rw) == [key for key, _, _ in expected]
    for key, language, published in expected:
        lang = "ru" if language == "ru" else "kk"
        period = published.strftime("%Y%m") if published else "undated"
        table = f"search_{lang}_{period}"
        assert partitions(rw)[table] == lang
        assert rw.execute(f"SELECT count(*) FROM {table} WHERE key = ?", [key]).fetchone() == (1,)


def test_refresh_rebuilds_only_the_partitions_that_changed(rw: duckdb.DuckDBPyConnection) -> None:
    assert search.refresh_search_index(rw).built == []  # nothing changed since the fixture's
    before = partitions(rw)
    copy_article(rw, RU_DELETED, "incoming/010_ru_cairo_again.txt")
    ru_month = rw.execute(
        "SELECT 'search_ru_' || strftime(published_date, '%Y%m') FROM articles WHERE key = ?",
        [RU_DELETED],
    ).fetchone()[0]
    refresh = search.refresh_search_index(rw)
    assert refresh.built == [ru_month]
    assert refresh.dropped == []
    assert refresh.kept == len(before) - 1
    # Its only article gone, a partition goes too, and the macro no longer reads it.
    rw.execute("UPDATE articles SET published_date = DATE '1999-01-05' WHERE key = ?", [RU])
    refresh = search.refresh_search_index(rw)
    assert "search_ru_199901" in refresh.built
    assert hits(rw, "дипломатов") == [RU]
    rw.execute("UPDATE articles SET deleted_at = now() WHERE key = ?", [RU])
    refresh = search.refresh_search_index(rw)
    assert refresh.dropped == ["search_ru_199901"]
    assert "search_ru_199901" not in partitions(rw)
    assert rw.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'search_ru_199901'"
    ).fetchone() == (0,)
    assert hits(rw, "Египтом") == ["incoming/010_ru_cairo_again.txt"]


def test_refresh_inside_a_transaction_commits_and_rolls_back_with_it(
    rw: duckdb.DuckDBPyConnection,
) -> None:
    rw.execute("BEGIN TRANSACTION")
    copy_article(rw, RU_DELETED, "incoming/010_ru_cairo_again.txt")
    search.refresh_search_index(rw)  # runs in the caller's transaction, sees its new row
    assert hits(rw, "Египтом") == ["incoming/010_ru_cairo_again.txt"]
    rw.execute("ROLLBACK")
    assert hits(rw, "Египтом") == []
    assert hits(rw, "дипломатов") == [RU]
    rw.execute("BEGIN TRANSACTION")
    copy_article(rw, RU_DELETED, "incoming/010_ru_cairo_again.txt")
    search.refresh_search_index(rw)
    rw.execute("COMMIT")
    assert hits(rw, "Египтом") == ["incoming/010_ru_cairo_again.txt"]


def test_in_transaction_tells_autocommit_from_an_open_transaction() -> None:
    with duckdb.connect() as con:
        assert not search.in_transaction(con)
        con.execute("BEGIN TRANSACTION")
        assert search.in_transaction(con)
        con.execute("COMMIT")
        assert not search.in_transaction(con)


def test_the_macro_survives_reopening(rw: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    rw.close()
    db = tmp_path / "news.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        assert search.search_index_present(con)
        search.load_fts(con)
        assert hits(con, "дипломатов") == [RU]


def test_the_fts_extension_comes_from_the_pypi_package(ro: duckdb.DuckDBPyConnection) -> None:
    path = search.fts_extension_path()
    assert path.name == "fts.duckdb_extension"
    assert "duckdb_extension_fts" in path.parts
    assert search.fts_loaded(ro)


def test_search_without_fts_fails_with_duckdbs_own_hint(shared_db: Path) -> None:
    """Documents the requirement: match_bm25 calls fts's stem(); with autoloading off (as on a
    machine where fts is not installed) the macro cannot run until fts is loaded."""
    config = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    with duckdb.connect(str(shared_db), read_only=True, config=config) as con:
        with pytest.raises(duckdb.CatalogException, match="fts"):
            con.execute("SELECT * FROM search_articles('дипломатов')").fetchall()
        search.load_fts(con)
        assert hits(con, "дипломатов") == [RU]


def test_an_empty_warehouse_can_be_indexed_and_searched() -> None:
    with duckdb.connect() as con:
        warehouse.migrate(con)
        search.refresh_search_index(con)
        assert hits(con, "дипломатов") == []


# -- examples --------------------------------------------------------------------------------


def test_every_example_has_an_expected_shape() -> None:
    assert len(EXAMPLES) >= 8
    assert sorted(path.name for path in EXAMPLES) == sorted(EXAMPLE_COLUMNS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example(path: Path, ro: duckdb.DuckDBPyConnection) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("-- "), "an example starts with the question it answers"
    statements = warehouse.statements(text)
    assert len(statements) == 1
    result = ro.execute(statements[0])
    assert [d[0] for d in result.description] == EXAMPLE_COLUMNS[path.name]
    rows = result.fetchall()
    assert rows, "the test warehouse has data for every example"


def example(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    sql = warehouse.statements(warehouse.sql_file(f"examples/{name}"))[0]
    return con.execute(sql).fetchall()


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


def test_a_refresh_that_fails_halfway_is_healed_by_the_next(
    rw: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_article(rw, RU_DELETED, "incoming/010_ru_cairo_again.txt")
    copy_article(rw, KK_DOHA, "incoming/011_kk_doha_again.txt")
    recorded = partitions(rw)
    real_build = search._build_one

    def build_then_fail(con: duckdb.DuckDBPyConnection, partition: search.Partition) -> None:
        table, lang, _ = partition
        if lang == "kk":
            raise duckdb.IOException(f"disk full while building {table}")
        real_build(con, partition)

    monkeypatch.setattr(search, "_build_one", build_then_fail)
    with pytest.raises(duckdb.IOException, match="disk full"):
        search.refresh_search_index(rw)
    assert partitions(rw) == recorded  # nothing recorded: the failed refresh is redone
    monkeypatch.setattr(search, "_build_one", real_build)
    refresh = search.refresh_search_index(rw)
    assert len(refresh.built) == 2  # the Russian month built before the failure, and the Kazakh
    assert hits(rw, "Египтом") == ["incoming/010_ru_cairo_again.txt"]
    assert sorted(hits(rw, "Доха")) == sorted([KK_DOHA, "incoming/011_kk_doha_again.txt"])
    assert search.refresh_search_index(rw).built == []
