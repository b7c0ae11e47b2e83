"""Query results as rich tables, for the terminal commands and the demo."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


def relation_table(title: str, relation: Any) -> Table:
    """A DuckDB relation or a Polars frame as a rich table. Every cell and the title are plain
    text, never markup: keys and article text come from the bucket."""
    table = Table(title=Text(title), header_style="bold")
    for column in relation.columns:
        table.add_column(Text(column), overflow="fold")
    rows = relation.rows() if hasattr(relation, "rows") else relation.fetchall()
    for row in rows:
        table.add_row(*(Text("" if value is None else str(value)) for value in row))
    return table
