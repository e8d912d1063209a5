"""One text normalization for every format, plus the helpers that keep offsets exact.

Why it exists: chunk offsets, page spans and heading offsets all point into `LoadedDocument.text`, and
citations quote `text[start:end]` verbatim. If each loader cleaned text its own way, the same passage would
hash, chunk and cite differently depending on the file type. So every loader builds its text from pieces
that have each been run through `normalize_text`, and `join_blocks` glues them with the paragraph
separator while recording where each piece starts - the only safe way to know offsets in the final text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

PARAGRAPH_SEP = "\n\n"

# Control characters (C0, DEL, C1) except \t and \n; \r is converted before this runs.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Non-breaking and other fixed-width spaces that look like a space but defeat word matching.
_ODD_SPACES = re.compile(r"[\u00a0\u2007\u202f]")
_TRAILING_WS = re.compile(r"[ \t]+$", re.MULTILINE)
_MANY_NEWLINES = re.compile(r"\n{3,}")
_MD_HEADING_MARKS = re.compile(r"^#{1,6}[ \t]+|[ \t]+#+[ \t]*$")


def normalize_text(text: str) -> str:
    """Return `text` in the canonical form all offsets refer to (idempotent)."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_SPACES.sub(" ", text)
    text = _CONTROL.sub("", text)
    text = _TRAILING_WS.sub("", text)
    text = _MANY_NEWLINES.sub(PARAGRAPH_SEP, text)
    return text.strip()


def join_blocks(blocks: Iterable[tuple[str, int | None]]) -> tuple[str, dict[int, int]]:
    """Normalize and join `(text, heading_level_or_None)` blocks into paragraphs.

    Empty blocks are dropped. Returns the joined text and `{start_offset: level}` for the heading blocks.
    Because every block is normalized and stripped, the joined result is itself normalized.
    """
    parts: list[str] = []
    headings: dict[int, int] = {}
    offset = 0
    for raw, level in blocks:
        block = normalize_text(raw)
        if not block:
            continue
        if parts:
            offset += len(PARAGRAPH_SEP)
        if level is not None:
            headings[offset] = level
        parts.append(block)
        offset += len(block)
    return PARAGRAPH_SEP.join(parts), headings


def heading_text(text: str, offset: int) -> str:
    """The heading line starting at `offset`, without markdown `#` marks."""
    end = text.find("\n", offset)
    line = text[offset : end if end >= 0 else len(text)]
    return _MD_HEADING_MARKS.sub("", line).strip()


def title_from_headings(text: str, headings: dict[int, int]) -> str | None:
    """The first level-1 heading; failing that, a heading that opens the document.

    A lone `## Preamble` deep in a file is not a title, so lower levels only count at offset 0.
    """
    for offset in sorted(headings):
        if headings[offset] == 1:
            return heading_text(text, offset) or None
    if 0 in headings:
        return heading_text(text, 0) or None
    return None


def clean_field(value: object) -> str | None:
    """A metadata string squeezed to one line, or None when blank."""
    if value is None:
        return None
    squeezed = " ".join(normalize_text(str(value)).split())
    return squeezed or None
