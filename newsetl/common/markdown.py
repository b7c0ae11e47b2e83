"""Text from the bucket (keys, reasons quoting article text) made safe for a markdown artifact.

CommonMark lets a backslash escape any ASCII punctuation, and GitHub-style tables split cells on
`|` even inside code spans unless it is escaped; an inline code span is fenced by a run of
backticks longer than any run inside it. Hand-written because no maintained library escapes for
CommonMark tables; the rules are the spec's, and tests render the result with a CommonMark
parser.
"""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&\"'=:$%^@,;?/])")
_BACKTICKS = re.compile(r"`+")


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


def text(value: object) -> str:
    """Plain text: every punctuation character escaped, on one line."""
    return _PUNCTUATION.sub(r"\\\1", _one_line(value))


def code(value: object) -> str:
    """An inline code span showing `value` literally, safe inside a table cell."""
    body = _one_line(value)
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith("`") or body.endswith("`") or not body.strip():
        body = f" {body} "
    return f"{fence}{body.replace('|', chr(92) + '|')}{fence}"
