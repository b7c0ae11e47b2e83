"""Why each field of a parsed article is what it is: the article's lines with their zone and
class, and per field the value, the line it came from and the rule or lexicon entry that
decided it. `newsetl explain` prints this; it is computed by parsing the bytes again (the
parser is deterministic), so nothing extra is stored per article."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsetl.parse.article import parse_article
from newsetl.parse.decode import DecodeFailure, decode_bytes
from newsetl.parse.head import read_layout
from newsetl.parse.records import Article, Rejection
from newsetl.parse.text import normalize_text

# The fields an explanation lists, in the order the articles table has them.
FIELDS: tuple[str, ...] = (
    *("title", "published_date", "published_at", "date_source", "author", "section"),
    *("photo_credit", "views", "reading_minutes", "dateline_place", "agency", "language"),
    "paragraph_count",
)


@dataclass(slots=True)
class ExplainedLine:
    number: int  # 0-based index among the non-empty lines after decoding
    zone: str  # head | body | tail
    kind: str  # a class of newsetl.parse.classify.KINDS, `body`, or what a body line was
    text: str
    rule: str
    fields: list[str] = field(default_factory=list)  # the fields this line gave


@dataclass(slots=True)
class Explanation:
    key: str
    result: Article | Rejection
    lines: list[ExplainedLine]
    # field -> (value, line number or None, rule)
    fields: dict[str, tuple[object, int | None, str]]


def explain(key: str, raw: bytes) -> Explanation:
    """Parse `raw` and say why: never raises (a rejection is explained by its reasons)."""
    result = parse_article(key, raw)
    if isinstance(result, Rejection):
        return Explanation(key, result, [], {})
    decoded = decode_bytes(raw)
    if isinstance(decoded, DecodeFailure):  # pragma: no cover - parse_article rejected it
        return Explanation(key, result, [], {})
    layout = read_layout(normalize_text(decoded.text))
    lines = [ExplainedLine(*row) for row in layout.lines]
    by_number = {line.number: line for line in lines}
    fields: dict[str, tuple[object, int | None, str]] = {}
    for name in FIELDS:
        value = getattr(result, name)
        number, rule = result.why.get(name, (None, ""))
        if not rule:
            rule = _default_rule(name, value)
        fields[name] = (value, number, rule)
        if number is not None and number in by_number and value not in (None, ""):
            by_number[number].fields.append(name)
    return Explanation(key, result, lines, fields)


def _default_rule(name: str, value: object) -> str:
    if name == "language":
        return "lingua on the title and the start of the body"
    if name == "paragraph_count":
        return "body lines kept as paragraphs"
    if name in ("date_source", "published_at"):
        return "with published_date"
    if name in ("dateline_place", "agency") and value:
        return "agency dateline opening the first paragraph"
    return "no line of this class" if value in (None, "") else ""
