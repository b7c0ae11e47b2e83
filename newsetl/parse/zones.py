"""Zones: the body found first as the run of prose lines, the head before it, the tail after it;
and hard-wrapped text rejoined into paragraphs before that.

A prose line is long, has several words and mostly lowercase ones, and ends a sentence (or is
long enough to be a lead without a full stop). Short lines inside the run (subheadings, quotes,
list items) stay in the body. Only the head and tail lines are classified, so the cost is a few
cheap tests per body line."""

from __future__ import annotations

import re
from collections.abc import Callable

from newsetl.parse.classify import sentence_like

# A line this long with mostly lowercase words is prose even without a full stop (a lead).
LONG_PROSE_CHARS = 100
# Characters of a line looked at for the share of lowercase words.
PROSE_PREFIX = 200
_WORD_START = re.compile(r"(?<!\S)[^\W\d_]")
_AFTER_SPACE = re.compile(r" ([^\W\d_])")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = '.!?…»"”)'
_FULL_STOP = ".!?…"
_CLOSING = "»\"”)'’"
# A line is cut by wrapping when it is at least this share of the widest line.
WRAP_SHARE = 0.45
_BREAK_ENDS = ":;"


def blocks_to_lines(text: str) -> list[str]:
    """Non-empty stripped lines; hard-wrapped blocks (see `is_wrapped`) joined into one line."""
    raw = [line.strip() for line in text.split("\n")]
    if "\n\n" not in text or not is_wrapped(raw):
        return [line for line in raw if line]
    width = max(len(line) for line in raw)
    lines: list[str] = []
    joined = previous = ""
    for line in raw:
        if not line:
            if joined:
                lines.append(joined)
            joined = ""
        elif joined and len(previous) >= WRAP_SHARE * width and previous[-1:] not in _BREAK_ENDS:
            joined = f"{joined} {line}"
        else:
            if joined:
                lines.append(joined)
            joined = line
        previous = line
    if joined:
        lines.append(joined)
    return lines


def is_wrapped(raw: list[str]) -> bool:
    """Whether blank-line separated blocks hold lines cut at one width: most lines inside blocks
    near the longest line's length, few of them ending a sentence."""
    inner = [
        line for line, nxt in zip(raw, [*raw[1:], ""], strict=True) if line and nxt
    ]  # lines followed by another line of the same block
    if len(inner) < 3:
        return False
    width = max(len(line) for line in raw)
    if width > 120:
        return False
    near = sum(1 for line in inner if len(line) >= 0.6 * width)
    open_ends = sum(1 for line in inner if line[-1:] not in _SENTENCE_END)
    return near >= 0.6 * len(inner) and open_ends >= 0.5 * len(inner)


def is_prose(line: str) -> bool:
    """A body line: see the module docstring. The cheap tests come first: a headline (short,
    no full stop) is rejected before its words are looked at."""
    if len(line) < 30:
        return False
    if line.count(" ", 0, PROSE_PREFIX) < 4:
        return False
    if not (len(line) >= LONG_PROSE_CHARS or ends_sentence(line)):
        return False
    starts = word_initials(line)  # first letters of the first words
    return sum(map(str.islower, starts)) >= 0.35 * len(starts)


def word_initials(line: str) -> list[str]:
    """The first letter of each word starting in the first PROSE_PREFIX characters.

    Where a space is the only whitespace there (`isprintable` is false for every other
    whitespace character), a letter after a space is the start of a word: that search runs
    twice as fast as the general one, whose lookbehind is tried at every character."""
    if line[:PROSE_PREFIX].isprintable():
        starts = _AFTER_SPACE.findall(line, 0, PROSE_PREFIX)
        if _LETTER.match(line):
            starts.insert(0, line[0])
        return starts
    return _WORD_START.findall(line, 0, PROSE_PREFIX)


def ends_sentence(line: str) -> bool:
    """`… ашылды.`, `… he said."`, `(… 2024 г.)`: a full stop, maybe inside closing quotes."""
    end = line.rstrip(_CLOSING)
    return end[-1:] in _FULL_STOP


def body_bounds(
    lines: list[str], boilerplate: Callable[[str], bool], start: int = 0
) -> tuple[int, int] | None:
    """(first, last) index of the prose run from `start`; a boilerplate line (subscribe, share)
    never opens or closes it. None when no line reads as prose."""
    first = next(
        (i for i in range(start, len(lines)) if is_prose(lines[i]) and not boilerplate(lines[i])),
        None,
    )
    if first is None:
        return None
    last = first
    for i in range(len(lines) - 1, first, -1):
        line = lines[i]
        if (is_prose(line) or sentence_like(line)) and not boilerplate(line):
            last = i
            break
    return first, last
