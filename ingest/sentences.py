"""Sentence spans inside a passage: the unit an extractive answer quotes and a citation highlights.

Bling Fire's rule-based breaker (C++, ~100x faster than pysbd here, and it knows "U.S." and "Art. 5")
does the splitting. Lines are grouped first: a line break inside a paragraph is soft (hard-wrapped
text) unless the next line starts a list item or a heading, which agreement texts put on lines of their
own without final punctuation. Stray fragments such as a bare "1." are joined to the sentence that
follows them, so a quote never starts mid-thought.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import blingfire

Span = tuple[int, int]
# List items, numbered paragraphs, "(a)" clauses, headings and table rows start a line of their own.
_STARTS_OWN_LINE = re.compile(
    r"^\s*(?:[-*•–]\s|\(?[0-9]{1,3}[.)]\s|\([a-zA-Z]{1,4}\)\s|[a-z][.)]\s|#{1,6}\s|\|)"
)
_MIN_FRAGMENT_LETTERS = 2


def sentence_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for start, end in _blocks(text):
        # Newlines become spaces: same length, so Bling Fire's offsets stay offsets into `text`.
        block = text[start:end].replace("\n", " ")
        spans.extend((start + a, start + b) for a, b in _split(block))
    return spans


def _blocks(text: str) -> Iterator[Span]:
    """Runs of lines that belong to one paragraph or one list item."""
    block_start: int | None = None
    block_end = 0
    previous_heading = False
    offset = 0
    for line in text.split("\n"):
        line_start, offset = offset, offset + len(line) + 1
        if not line.strip():
            if block_start is not None:
                yield block_start, block_end
                block_start = None
            continue
        if block_start is not None and (_STARTS_OWN_LINE.match(line) or previous_heading):
            yield block_start, block_end
            block_start = None
        if block_start is None:
            block_start = line_start
        block_end = line_start + len(line)
        previous_heading = line.lstrip().startswith("#")
    if block_start is not None:
        yield block_start, block_end


def _split(block: str) -> list[Span]:
    spans: list[Span] = []
    pending: int | None = None
    _, offsets = blingfire.text_to_sentences_and_offsets(block)
    for start, end in offsets:
        start, end = _strip(block, start, end)
        if start >= end:
            continue
        if sum(ch.isalpha() for ch in block[start:end]) < _MIN_FRAGMENT_LETTERS:
            pending = start if pending is None else pending
            continue
        spans.append((pending if pending is not None else start, end))
        pending = None
    if pending is not None:  # a block that is only a fragment ("1.") still belongs to the text
        spans.append(_strip(block, pending, len(block)))
    return spans


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
