"""Markdown and plain-text files: the format the sample corpus and most hand-curated documents use.

Why markdown is kept as written: citations quote the stored text verbatim, so stripping emphasis or
list markers would make quotes differ from what the author sees in the file. Only the front matter is
removed (it is metadata, not content), and `#` heading lines are recorded so the chunker can attach
section titles without re-parsing.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.loaders import budgets
from ingest.loaders.base import EmptyDocument, decode_text, read_bytes
from ingest.loaders.dates import find_date_in_text
from ingest.loaders.frontmatter import parse_front_matter
from ingest.loaders.normalize import normalize_text, title_from_headings
from ingest.models import LoadedDocument

_ATX_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+\S.*)?$")
_FENCE = re.compile(r"^(```|~~~)")


def markdown_headings(text: str) -> dict[int, int]:
    """`{line_offset: level}` for `#` heading lines, ignoring lines inside fenced code blocks."""
    headings: dict[int, int] = {}
    offset = 0
    in_fence: str | None = None
    for line in text.split("\n"):
        fence = _FENCE.match(line)
        if fence:
            if in_fence is None:
                in_fence = fence.group(1)
            elif fence.group(1) == in_fence:
                in_fence = None
        elif in_fence is None:
            match = _ATX_HEADING.match(line)
            if match and line.strip("# \t"):  # a bare "###" is not a heading worth naming
                headings[offset] = len(match.group(1))
        offset += len(line) + 1
    return headings


def load_text(path: Path) -> LoadedDocument:
    """Load a `.md`, `.markdown` or `.txt` file, front matter included."""
    raw, warnings = decode_text(read_bytes(path, budgets.MAX_TEXT_FILE_BYTES))
    # Newlines are unified first so front-matter delimiters match whatever the editor saved.
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = parse_front_matter(raw)
    warnings.extend(meta.warnings)
    text = normalize_text(body)
    if not text:
        raise EmptyDocument()
    headings = markdown_headings(text)
    return LoadedDocument(
        text=text,
        format="text" if path.suffix.lower() == ".txt" else "markdown",
        title=meta.title or title_from_headings(text, headings),
        date=meta.date or (None if meta.date_unreadable else find_date_in_text(text)),
        url=meta.url,
        kind=meta.kind,
        parties=meta.parties,
        doc_id=meta.doc_id,
        extra=meta.extra,
        headings=headings,
        warnings=tuple(warnings),
    )
