"""The daily data-quality report page: four charts in one self-contained HTML file.

Articles per day by language, the pass rate per run and suite, quarantine by reason over time,
and the most mentioned entities per week by language (the enrichment's). The rows come from
`sql/report/`; the charts are Vega-Lite specs made with altair (which GX brings), drawn in the
browser by Vega, Vega-Lite and vega-embed inlined into the page from `web/node_modules` (the
copies the Data Docs use). The page loads nothing: it opens from a file, an e-mail or a closed
network, and its Content-Security-Policy lets it fetch nothing.

Everything from the warehouse is data, never markup: text in the HTML is escaped, and the
chart specs sit in JSON script blocks with `<`, `>` and `&` written as JSON escapes; Vega puts
text into SVG as text.

No Prefect here: `flows/report.py` and `newsetl report --html` call `write_report_page`.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from newsetl.common import sqlfiles
from newsetl.quality.datadocs_assets import CHART_ASSETS, read_vendored

PAGE_NAME = "dq_report.html"  # in the reports folder, rebuilt by every dq-report run
ARTICLE_DAYS = 90  # publication days in the first chart
PASS_RATE_RUNS = 30  # runs in the second chart
QUARANTINE_DAYS = 90  # days of runs in the third chart
ENTITY_WEEKS = 8  # weeks in the fourth chart
ENTITY_TOP = 5  # entities per week and language in the fourth chart
CHART_WIDTH = 760
CHART_HEIGHT = 240


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    rows: list[dict[str, Any]]
    empty: str  # what the page says instead when there are no rows


@dataclass(frozen=True)
class ReportData:
    db: str
    generated_at: datetime
    latest: dict[str, Any] | None = None  # the newest ingest run (sql/quality/latest_run.sql)
    articles_per_day: list[dict[str, Any]] = field(default_factory=list)
    pass_rates: list[dict[str, Any]] = field(default_factory=list)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    entities_per_week: list[dict[str, Any]] = field(default_factory=list)


# -- reading ---------------------------------------------------------------------------------


def _rows(con: Any, name: str, **params: object) -> list[dict[str, Any]]:
    cursor = con.execute(sqlfiles.sql_file(name), params)
    columns = [column[0] for column in cursor.description]
    return [{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    """JSON types: dates and times as ISO strings, decimals as floats."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def read_report_data(con: Any, db: str, now: datetime | None = None) -> ReportData:
    """The page's rows from a lake attached as `news` (read-only is enough)."""
    latest = _rows(con, "quality/latest_run.sql")
    return ReportData(
        db=db,
        generated_at=now or datetime.now(UTC),
        latest=latest[0] if latest else None,
        articles_per_day=_rows(con, "report/articles_per_day.sql", days=ARTICLE_DAYS),
        pass_rates=_rows(con, "report/pass_rates.sql", runs=PASS_RATE_RUNS),
        quarantine=_rows(con, "report/quarantine_by_reason.sql", days=QUARANTINE_DAYS),
        entities_per_week=_rows(
            con, "report/entities_per_week.sql", weeks=ENTITY_WEEKS, top=ENTITY_TOP
        ),
    )


# -- the charts ------------------------------------------------------------------------------


def charts(data: ReportData) -> list[Chart]:
    return [
        Chart(
            "articles-per-day",
            "Articles per day by language",
            f"Current articles by publication date, the {ARTICLE_DAYS} days up to the newest.",
            data.articles_per_day,
            "No dated articles yet.",
        ),
        Chart(
            "pass-rate",
            "Pass rate per run and suite",
            f"Share of expectations that passed in each of the newest {PASS_RATE_RUNS} runs.",
            data.pass_rates,
            "No expectation outcomes yet.",
        ),
        Chart(
            "quarantine-by-reason",
            "Quarantine by reason over time",
            "Objects sent to quarantine per day by completed ingest runs, by the critical "
            f"expectation they failed, over the {QUARANTINE_DAYS} days up to the newest run.",
            data.quarantine,
            "Nothing was quarantined in this period.",
        ),
        Chart(
            "entities-per-week",
            "Most mentioned entities per week, by language",
            f"The {ENTITY_TOP} people, organisations and places mentioned most in each week's "
            f"articles, per language (1 = most), over the {ENTITY_WEEKS} weeks up to the newest; "
            "the bigger the dot, the more mentions (newsetl enrich, or newsetl run --enrich).",
            data.entities_per_week,
            "No entities yet: the enrichment has not run.",
        ),
    ]


def chart_spec(chart: Chart) -> dict[str, Any]:
    """The Vega-Lite spec of one chart, made with altair."""
    import altair as alt

    day_axis = alt.Axis(format="%Y-%m-%d", labelOverlap=True)
    base = alt.Chart(alt.Data(values=chart.rows)).properties(width=CHART_WIDTH, height=CHART_HEIGHT)
    if chart.id == "articles-per-day":
        spec = base.mark_bar().encode(
            x=alt.X("utcyearmonthdate(day):T", title="publication date", axis=day_axis),
            y=alt.Y("sum(articles):Q", title="articles"),
            color=alt.Color("language:N", title="language"),
            tooltip=[
                alt.Tooltip("day:N", title="date"),
                alt.Tooltip("language:N"),
                alt.Tooltip("articles:Q"),
            ],
        )
    elif chart.id == "pass-rate":
        spec = base.mark_line(point=True).encode(
            x=alt.X(
                "started_at:T",
                title="run started (UTC)",
                scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%Y-%m-%d %H:%M"),
            ),
            y=alt.Y(
                "pass_rate:Q",
                title="expectations passed",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            color=alt.Color("suite:N", title="suite"),
            tooltip=[
                alt.Tooltip("run_id:N", title="run"),
                alt.Tooltip("run_status:N", title="status"),
                alt.Tooltip("suite:N"),
                alt.Tooltip("pass_rate:Q", format=".1%", title="pass rate"),
                alt.Tooltip("succeeded:Q", title="passed"),
                alt.Tooltip("expectations:Q"),
            ],
        )
    elif chart.id == "quarantine-by-reason":
        spec = base.mark_bar().encode(
            x=alt.X("utcyearmonthdate(day):T", title="run date", axis=day_axis),
            y=alt.Y("sum(objects):Q", title="objects quarantined"),
            color=alt.Color("reason:N", title="reason"),
            tooltip=[
                alt.Tooltip("day:N", title="date"),
                alt.Tooltip("reason:N"),
                alt.Tooltip("objects:Q"),
            ],
        )
    elif chart.id == "entities-per-week":
        spec = entities_spec(chart)
    else:
        raise ValueError(f"unknown chart {chart.id!r}")
    return spec.to_dict()


def entities_spec(chart: Chart) -> Any:
    """A rank chart: per language, a row of dots per week, the week's most mentioned entity on
    top, each named beside its dot (Vega cuts a long name and writes it into the SVG as text)."""
    import altair as alt

    languages = len({row["language"] for row in chart.rows}) or 1
    base = alt.Chart().encode(
        x=alt.X("week:O", title="week (from its Monday)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rank:O", title="rank"),
        tooltip=[
            alt.Tooltip("week:N"),
            alt.Tooltip("language:N"),
            alt.Tooltip("name:N"),
            alt.Tooltip("kind:N"),
            alt.Tooltip("mentions:Q"),
            alt.Tooltip("articles:Q"),
        ],
    )
    dots = base.mark_circle(opacity=0.7).encode(
        size=alt.Size("mentions:Q", title="mentions"),
        color=alt.Color("kind:N", title="kind"),
    )
    names = base.mark_text(align="left", dx=8, limit=75, fontSize=10).encode(text="name:N")
    return (
        alt.layer(dots, names, data=alt.Data(values=chart.rows))
        .properties(width=CHART_WIDTH - 60, height=max(90, CHART_HEIGHT // languages))
        .facet(row=alt.Row("language:N", title="language"))
    )


# -- the page --------------------------------------------------------------------------------


def script_safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no `</script>`, no `<!--`, no line
    separators (which end a line in older JavaScript)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def inline_script(source: str) -> str:
    """A library's code for an inline <script>: nothing in it may close the element, and its
    source-map comment would only make developer tools reach for a file that is not there."""
    lines = [line for line in source.splitlines() if not line.startswith("//# sourceMappingURL=")]
    return "\n".join(lines).replace("</script", "<\\/script")


def vendored_scripts(vendor_dir: Path | None = None) -> list[str]:
    """Vega, Vega-Lite and vega-embed from web/node_modules, in load order."""
    return [read_vendored(asset, vendor_dir) for asset in CHART_ASSETS]


_e = html.escape

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'"
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem;
       color: #212529; max-width: 900px; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 0.25rem; }
p.meta, p.description { color: #6c757d; margin: 0.25rem 0; }
table.latest { border-collapse: collapse; margin-top: 1rem; }
table.latest th, table.latest td { text-align: left; padding: 0.2rem 0.8rem 0.2rem 0;
       border-bottom: 1px solid #dee2e6; vertical-align: top; }
.status-completed { color: #198754; } .status-failed_quality { color: #dc3545; }
.empty { font-style: italic; color: #6c757d; }
"""

EMBED = """
document.querySelectorAll("[data-chart]").forEach(function (el) {
  var spec = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
  vegaEmbed(el, spec, {renderer: "svg", actions: false}).catch(function (error) {
    el.textContent = "This chart could not be drawn: " + error.message;
    console.error(error);
  });
});
"""

LATEST_FIELDS = (
    "run_id",
    "source",
    "status",
    "started_at",
    "finished_at",
    "loaded",
    "quarantined",
    "warnings",
    "message",
)


def build_page(data: ReportData, scripts: Sequence[str], data_docs: str | None = None) -> str:
    """The whole page. `scripts` are the chart libraries' code (vendored_scripts);
    `data_docs` an optional link (relative to the page) to the Data Docs index."""
    title = f"newsetl data quality: {data.db}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{STYLE}</style>",
        *(f"<script>{inline_script(code)}</script>" for code in scripts),
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Generated {_e(_when(data.generated_at))}.</p>',
        *_latest(data.latest),
    ]
    if data_docs:
        parts.append(
            f'<p class="meta"><a href="{_e(data_docs)}">Data Docs</a>: every '
            "validation with its failing rows.</p>"
        )
    for chart in charts(data):
        parts += [
            f'<section class="chart" id="{chart.id}">',
            f"<h2>{_e(chart.title)}</h2>",
            f'<p class="description">{_e(chart.description)}</p>',
        ]
        if chart.rows:
            spec_id = f"{chart.id}-spec"
            parts += [
                f'<div class="vega-chart" data-chart="{spec_id}"></div>',
                f'<script type="application/json" id="{spec_id}">'
                f"{script_safe_json(chart_spec(chart))}</script>",
            ]
        else:
            parts.append(f'<p class="empty">{_e(chart.empty)}</p>')
        parts.append("</section>")
    parts += [f"<script>{EMBED}</script>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _latest(latest: dict[str, Any] | None) -> Iterable[str]:
    if latest is None:
        yield '<p class="empty">No ingest run has been recorded yet.</p>'
        return
    yield '<table class="latest"><caption>Latest run</caption>'
    for name in LATEST_FIELDS:
        value = latest.get(name)
        if value in (None, ""):
            continue
        css = f' class="status-{_e(str(value))}"' if name == "status" else ""
        yield f"<tr><th>{_e(name)}</th><td{css}>{_e(str(value))}</td></tr>"
    yield "</table>"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- writing ---------------------------------------------------------------------------------


def write_page(path: Path, page: str) -> Path:
    """Write atomically: a reader (or a second writer) never sees half a page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, path)
    return path


def write_report_page(
    con: Any,
    db: str,
    path: Path,
    *,
    data_docs: str | None = None,
    vendor_dir: Path | None = None,
) -> Path:
    """Read the lake, build the page and write it to `path`."""
    page = build_page(read_report_data(con, db), vendored_scripts(vendor_dir), data_docs)
    return write_page(path, page)
