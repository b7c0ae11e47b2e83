"""`newsetl explain KEY` / `newsetl explain --file PATH`: an article's lines with their zone and
class, and per field the line and the rule or lexicon entry that decided it.

For a key in the lake the bytes are read again and parsed again (the parser is deterministic,
so nothing extra is stored per article): from the quarantine when the object is held there,
otherwise from the source listing that holds it (`source_objects.source`). When the bytes no
longer hash to what was loaded, that is said: the explanation is of the object as it is now."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from newsetl.cli.options import JsonOption, settings_options
from newsetl.cli.reader import reading, records
from newsetl.cli.terminal import EXIT_USAGE, console, fail, print_json
from newsetl.common.settings import Settings

MAX_SHOWN_CHARS = 160


@settings_options("db", "endpoint_url")
def explain(
    settings: Settings,
    key: Annotated[str | None, typer.Argument(help="Object key of an article in the lake.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Explain a file not loaded yet instead.")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Why each field of an article is what it is: every line with its zone (head, body,
    tail) and class, and per field the line it came from and the rule that decided it."""
    from newsetl.parse.explain import explain as explain_bytes

    if (key is None) == (file is None):
        raise fail("give either an object KEY or --file PATH", EXIT_USAGE)
    note = None
    if file is not None:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror or exc}") from None
        name = str(file)
    else:
        raw, note = _lake_bytes(settings, str(key))
        name = str(key)
    explanation = explain_bytes(name, raw)
    if json_output:
        print_json(_as_dict(explanation, note))
        return
    _render(explanation, note)


def _lake_bytes(settings: Settings, key: str) -> tuple[bytes, str | None]:
    from newsetl.common.sqlfiles import sql_file
    from newsetl.source.objects import ObjectUnreadable
    from newsetl.source.stores import SourceError, open_source

    if not settings.catalog.exists():
        raise fail(f"warehouse not found: {settings.catalog.describe()}")
    with reading(settings) as con:
        rows = records(con, sql_file("cli/explain_source.sql"), {"key": key})
    row = rows[0] if rows else {}
    if row.get("held_raw") is not None:
        return bytes(row["held_raw"]), "bytes held in quarantine"
    if row.get("source") is None:
        raise fail(f"no object {key!r} in {settings.catalog.describe()}")
    try:
        raw = open_source(row["source"], settings.endpoint_url).fetch(key)
    except (ObjectUnreadable, SourceError, OSError) as exc:
        raise fail(f"cannot read {key!r} again from {row['source']}: {exc}") from None
    note = f"bytes read again from {row['source']}"
    loaded = row.get("loaded_sha256")
    if loaded and hashlib.sha256(raw).hexdigest() != loaded:
        note += " (changed since it was loaded: this explains the object as it is now)"
    return raw, note


def _as_dict(explanation: Any, note: str | None) -> dict:
    from newsetl.parse.records import Rejection

    result = explanation.result
    data: dict[str, Any] = {"key": explanation.key, "note": note}
    if isinstance(result, Rejection):
        data["rejected"] = {"status": result.status, "reasons": result.reasons}
        return data
    data["lines"] = [
        {
            "number": line.number,
            "zone": line.zone,
            "class": line.kind,
            "text": line.text,
            "rule": line.rule,
            "fields": line.fields,
        }
        for line in explanation.lines
    ]
    data["fields"] = {
        name: {"value": value, "line": number, "rule": rule}
        for name, (value, number, rule) in explanation.fields.items()
    }
    return data


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"


def _render(explanation: Any, note: str | None) -> None:
    from newsetl.parse.records import Rejection

    out = console()
    if note:
        out.print(Text(note, style="dim"))
    result = explanation.result
    if isinstance(result, Rejection):
        out.print(Text(f"{explanation.key}: rejected as {result.status}: "), end="")
        out.print(Text("; ".join(result.reasons)))
        return
    lines = Table(title=Text(f"lines of {explanation.key}"))
    for column in ("#", "zone", "class", "text", "rule", "fields"):
        lines.add_column(column, overflow="fold")
    for line in explanation.lines:
        style = "dim" if line.zone == "body" and line.kind == "body" else ""
        lines.add_row(
            str(line.number),
            line.zone,
            Text(line.kind, style="bold" if line.kind != "unknown" else "yellow"),
            Text(_shown(line.text), style=style),
            Text(line.rule),
            Text(", ".join(line.fields)),
        )
    out.print(lines)
    fields = Table(title=Text("fields"))
    for column in ("field", "value", "line", "rule"):
        fields.add_column(column, overflow="fold")
    for name, (value, number, rule) in explanation.fields.items():
        shown = "" if value is None else _shown(str(value))
        fields.add_row(name, Text(shown), "" if number is None else str(number), Text(rule))
    out.print(fields)
