"""What `newsetl run` says and exits with once its flow has returned: a run committed and then
enriched, and a run committed whose enrichment failed (exit 4, a line that says the run is
committed and the next enrichment redoes it, never "nothing was committed")."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import typer

from newsetl.cli.run import exit_code, show_run
from newsetl.cli.terminal import EXIT_FOLLOWUP, EXIT_OK
from newsetl.quality.summary import ENRICHMENT_FAILED, RunSummary

ENRICHMENT = {
    "run_id": "e1",
    "mode": "changes",
    "read_snapshot": 9,
    "articles": 5,
    "forgotten": 0,
    "mentions": 145,
    "stories": 5,
    "snapshot_id": 10,
    "warnings": ["story_span_plausible: story incoming/[bold]x[/bold].txt"],
}


def summary(**fields) -> RunSummary:
    run = RunSummary(
        run_id="20261203T120000Z-abcdef12",
        source="s3://news/incoming/",
        db="warehouse/news.sqlite",
        started_at=datetime(2026, 12, 3, 12, tzinfo=UTC),
        listed=5,
        new=5,
        loaded=5,
        snapshot_id=9,
    )
    for name, value in fields.items():
        setattr(run, name, value)
    return run


def test_an_enriched_run_shows_its_enrichment_and_exits_zero(capsys) -> None:
    run = summary(enrichment=ENRICHMENT)
    assert exit_code(run) == EXIT_OK
    show_run(run, 1.0, as_json=False)
    out = capsys.readouterr().out
    assert "Enrichment: enriched 5 article(s), forgot 0: 145 mention(s), 5 story(ies)" in out
    assert "snapshot 10" in out
    assert "story incoming/[bold]x[/bold].txt" in out  # a key from the bucket, as text
    artifact = run.markdown()
    assert "## Enrichment" in artifact and "145 mention" in artifact
    assert "[bold]x" not in artifact  # escaped in the artifact's markdown too

    show_run(run, 1.0, as_json=True)
    assert json.loads(capsys.readouterr().out)["enrichment"]["articles"] == 5


def test_a_failed_enrichment_after_the_commit_exits_four_and_says_so(capsys) -> None:
    run = summary(followup_errors=[f"{ENRICHMENT_FAILED}: IOException: disk I/O error"])
    assert exit_code(run) == EXIT_FOLLOWUP
    with pytest.raises(typer.Exit) as stopped:
        show_run(run, 1.0, as_json=False)
    assert stopped.value.exit_code == EXIT_FOLLOWUP
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == (
        "newsetl: run 20261203T120000Z-abcdef12 committed, but enrichment failed: "
        "IOException: disk I/O error; the next enrichment (newsetl enrich, or the next newsetl "
        "run --enrich) redoes it"
    )


def test_a_failed_enrichment_and_a_failed_report_are_both_said(capsys) -> None:
    run = summary(
        followup_errors=[f"{ENRICHMENT_FAILED}: OSError: x", "Data Docs: OSError: no space"]
    )
    with pytest.raises(typer.Exit):
        show_run(run, 1.0, as_json=False)
    line = capsys.readouterr().err.strip()
    assert "committed, but enrichment failed: OSError: x; the next enrichment" in line
    assert "a step after the commit failed: Data Docs: OSError: no space; the next run" in line
