"""Keys as hostile as S3 allows: loaded or held like any other, and printed as they are, in the
terminal (Rich markup never interpreted) and in the Prefect artifact (Markdown escaped)."""

from __future__ import annotations

import hashlib

import pytest

from tests.e2e.faults.conftest import article
from tests.e2e.faults.invariants import placed, rows

pytestmark = pytest.mark.slow  # runs the flow and the CLI

LONG = "incoming/" + "ұзын-атау-" * 101 + ".txt"  # 1,018 bytes: S3 allows 1,024
LOADED = {
    "incoming/<script>alert('x')</script>.txt": article(10),
    "incoming/quotes \"double\" 'single'.txt": article(11),
    "incoming/dots/../..double..dots...txt": article(12),
    "incoming/  spaced   out  .txt": article(13),
    LONG: article(14),
    "incoming/Case.txt": article(15),
    "incoming/case.txt": article(16),
}
HELD = {  # empty or blank: quarantined, so `quarantine list` and the artifact name them
    "incoming/[/x] closing tag.txt": b"",
    "incoming/[bold]bold[/bold] and [red]red.txt": b" \n",
    "incoming/pipe | in | name.txt": b"",
    "incoming/back`tick`s ``double``.txt": b"\t\n",
    "incoming/<img src=x onerror=alert(1)>.txt": b"",
}


def artifact_markdown(flow_run_id: str) -> str:
    """The run's markdown artifact, read from the shared server through Prefect's client."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    markdown = [a.data for a in artifacts if a.type == "markdown"]
    assert len(markdown) == 1, artifacts
    return markdown[0]


def tables(markdown: str) -> list[tuple[list[str], list[list[list[tuple[str, str]]]]]]:
    """Every table as its header cells and its body rows, each cell a list of (token type,
    content) pairs, parsed the way a GFM renderer (Prefect's UI) parses them."""
    from markdown_it import MarkdownIt

    found: list = []
    row: list = []
    part = None
    for token in MarkdownIt("commonmark").enable("table").parse(markdown):
        if token.type == "table_open":
            found.append(([], []))
        elif token.type in ("thead_open", "tbody_open"):
            part = token.type[:5]
        elif token.type in ("thead_close", "tbody_close"):
            part = None
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and part == "tbody":
            found[-1][1].append(row)
        elif token.type == "inline" and part == "thead":
            found[-1][0].append(token.content)
        elif token.type == "inline" and part == "tbody":
            row.append([(child.type, child.content) for child in token.children or []])
    return found


def cell_text(cell: list[tuple[str, str]]) -> str | None:
    """The key a cell shows: one code span (`key`, ``key`` ...), or plain text in HTML <code>
    tags; None when the cell is anything else (a code span cut short, text outside it)."""
    parts = [(kind, content) for kind, content in cell if kind != "text" or content]
    if len(parts) == 1 and parts[0][0] == "code_inline":
        return parts[0][1]
    if parts and all(kind in ("text", "html_inline") for kind, _ in parts):
        tags = [content for kind, content in parts if kind == "html_inline"]
        if tags == ["<code>", "</code>"]:
            return "".join(content for kind, content in parts if kind == "text")
    return None


def test_hostile_keys_are_stored_and_printed_literally(
    newsetl, run_flow, lake, make_bucket
) -> None:
    bucket = make_bucket(2, extra={**LOADED, **HELD})
    # The run in this process (cheaper than the CLI; the command prints held keys below).
    # 5 of 14 held is above the default critical threshold of 20%.
    result = run_flow(bucket.name, lake.db, critical_threshold=0.5, reports_dir=str(lake.reports))
    assert result.status == "completed", result
    problems: list[str] = []

    placement = placed(lake.db, bucket.txt_keys())
    assert placement.quarantine == set(HELD), placement
    assert placement.articles == bucket.txt_keys() - set(HELD)
    stored = dict(rows(lake.db, "SELECT key, content_sha256 FROM articles"))
    for key, body in LOADED.items():
        assert stored[key] == hashlib.sha256(body).hexdigest(), key
    cases = "SELECT count(*) FROM articles WHERE lower(key) = 'incoming/case.txt'"
    assert rows(lake.db, cases) == [(2,)]
    raw = dict(rows(lake.db, "SELECT key, raw FROM quarantine"))
    assert {key: bytes(value) for key, value in raw.items()} == HELD

    listed = newsetl("quarantine", "list", "--db", str(lake.db))
    assert listed.code == 0, str(listed)
    for key in HELD:
        if key not in listed.out:
            problems.append(f"`quarantine list` does not print {key!r} literally")

    flow_run_id = rows(lake.db, "SELECT flow_run_id FROM ingest_runs")[0][0]
    markdown = artifact_markdown(flow_run_id)
    shown = {}
    for headers, body in tables(markdown):
        if headers[:1] != ["key"]:
            continue
        for row in body:
            key = cell_text(row[0])
            if key is None:
                problems.append(f"an artifact key cell is not one code span: {row[0]}")
                continue
            shown[key] = row
    for key in HELD:
        if key not in shown:
            problems.append(f"the artifact does not show {key!r} (as one code span)")
    assert not problems, "\n".join(problems)
