"""YAML front matter: the metadata block authors put at the top of markdown and text files.

Why lenient: front matter is hand-typed, and a stray colon in a title must not cost the user the whole
document. A malformed block is reported as a warning and the body is ingested with default metadata.
Why the field rules: the store wants plain JSON-friendly values (ISO date strings, a tuple of party
names, an http(s) URL), while YAML hands us `datetime.date` objects, lists or comma-separated strings,
and "source" fields such as "http://x.pdf (copy: ...)".
Why strict about size: a hostile block is not a typo. YAML aliases let 421 bytes expand to 10^7 values
(7 s, 400 MB, 58 MB of stored metadata before this check), so a block that uses an alias, nests
deeper, or is larger than the `budgets` allow fails the whole file instead of being ingested.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import Node

from ingest.loaders import budgets
from ingest.loaders.base import LoadError, TooLarge
from ingest.loaders.dates import parse_date
from ingest.loaders.normalize import clean_field

_OPEN = re.compile(r"---[ \t]*\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.MULTILINE)
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass
class FrontMatter:
    """Metadata found in a front-matter block (all None/empty when there was none)."""

    title: str | None = None
    date: str | None = None
    url: str | None = None
    kind: str | None = None
    parties: tuple[str, ...] = ()
    doc_id: str | None = None
    # A date was stated but could not be read: callers must not guess one from the body instead.
    date_unreadable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader, refusing an alias to a defined anchor (the expansion that makes a bomb) and
    nesting beyond the budget, before the node is composed. An undefined alias stays a syntax error."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]  # unannotated in the stubs
        line = f"line {event.start_mark.line + 2}" if event.start_mark else "front matter"
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.anchors:
            raise LoadError(f"front matter uses a YAML alias (*{event.anchor}, {line}): aliases are refused")
        if self._depth >= budgets.MAX_FRONT_MATTER_DEPTH:
            limit = budgets.MAX_FRONT_MATTER_DEPTH
            raise TooLarge(f"front matter nests deeper than the {limit}-level budget ({line})")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str, list[str]]:
    """Split `text` (newlines already `\\n`) into (parsed mapping or None, body, warnings)."""
    opening = _OPEN.match(text)
    if opening is None:
        return None, text, []
    close = _CLOSE.search(text, opening.end())
    if close is None:
        # Could be a markdown horizontal rule on the first line; dropping text would be worse.
        return None, text, ["unterminated front matter (no closing '---'): ingested the whole file as text"]
    raw = text[opening.end() : close.start()]
    body = text[close.end() :]
    raw_size = len(raw.encode("utf-8"))
    if raw_size > budgets.MAX_FRONT_MATTER_BYTES:
        amount, budget = budgets.size(raw_size), budgets.size(budgets.MAX_FRONT_MATTER_BYTES)
        raise TooLarge(f"front matter too large: {amount}, over the {budget} budget")
    try:
        data = yaml.load(raw, Loader=_GuardedLoader)
    except yaml.YAMLError as exc:
        return None, body, [f"malformed front matter (ingested with defaults): {_yaml_reason(exc)}"]
    if data is None:
        return {}, body, []
    if not isinstance(data, dict):
        reason = f"expected key: value pairs, got a {type(data).__name__}"
        return None, body, [f"malformed front matter (ingested with defaults): {reason}"]
    mapping = {str(key): value for key, value in data.items()}
    stored = len(json.dumps(to_json_value(mapping), ensure_ascii=False).encode("utf-8"))
    if stored > budgets.MAX_METADATA_BYTES:
        amount, budget = budgets.size(stored), budgets.size(budgets.MAX_METADATA_BYTES)
        raise TooLarge(f"front matter metadata too large: {amount} as JSON, over the {budget} budget")
    return mapping, body, []


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        line = f" (line {exc.problem_mark.line + 2})" if exc.problem_mark else ""  # +1 for '---', +1 1-based
        return f"{exc.problem}{line}"
    return " ".join(str(exc).split())[:120]


def to_json_value(value: Any) -> Any:
    """A YAML value made JSON-serialisable (dates become ISO strings, unknown objects strings)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_json_value(v) for v in value]
    return str(value)


def _parties(value: Any, warnings: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        kind = type(value).__name__
        warnings.append(f"front matter 'parties' ignored: expected a list or text, got {kind}")
        return ()
    names = (clean_field(item) for item in items if not isinstance(item, dict | list))
    return tuple(name for name in names if name)


def interpret(data: dict[str, Any]) -> FrontMatter:
    """Map a parsed front-matter mapping onto document fields; unknown keys go to `extra`."""
    meta = FrontMatter()
    rest = dict(data)
    if "title" in rest:
        meta.title = clean_field(rest.pop("title"))
    if "date" in rest:
        raw_date = rest.pop("date")
        meta.date = parse_date(raw_date)
        if meta.date is None and raw_date not in (None, ""):
            meta.date_unreadable = True
            meta.warnings.append(f"unrecognised date {str(raw_date)[:40]!r} in front matter; date left empty")
            meta.extra["date"] = to_json_value(raw_date)
    for key in ("url", "source"):
        if key not in rest or rest[key] is None:
            rest.pop(key, None)
            continue
        raw = str(rest.pop(key)).strip()
        found = _URL.search(raw)
        if meta.url is None and found:
            meta.url = found.group(0).rstrip(".,;")
        if raw != meta.url:  # keep what the URL alone does not say, e.g. "(copy: archive.example.org)"
            meta.extra[key] = raw
    if "kind" in rest:
        meta.kind = clean_field(rest.pop("kind"))
    if "parties" in rest:
        meta.parties = _parties(rest.pop("parties"), meta.warnings)
    if "id" in rest:
        meta.doc_id = clean_field(rest.pop("id"))
    meta.extra.update({key: to_json_value(value) for key, value in rest.items()})
    return meta


def parse_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Front matter of `text` interpreted into fields, and the remaining body."""
    data, body, warnings = split_front_matter(text)
    meta = interpret(data) if data is not None else FrontMatter()
    meta.warnings[:0] = warnings
    return meta, body
