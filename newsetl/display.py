"""Query results as rich tables, for the terminal commands and the demo."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def relation_table(title: str, relation: Any) -> Table:
    """A DuckDB relation (or anything with `columns` and `fetchall`) as a rich table."""
    table = Table(title=title, header_style="bold")
    for column in relation.columns:
        table.add_column(column, overflow="fold")
    for row in relation.fetchall():
        table.add_row(*("" if value is None else str(value) for value in row))
    return table
