"""Sentence spans inside a passage: the unit an extractive answer quotes and a citation highlights.

Bling Fire's rule-based breaker (C++, ~100x faster than pysbd here, and it knows "U.S." and "Art. 5")
works within each line; lines are split first because agreement texts put list items and numbered
paragraphs on lines of their own without final punctuation. Stray fragments such as a bare "1." are
joined to the sentence that follows them so a quote never starts mid-thought.
"""

from __future__ import annotations

import re

import blingfire

Span = tuple[int, int]
_LINE = re.compile(r"[^\n]+")
_MIN_FRAGMENT_LETTERS = 2


def sentence_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        base = line.start()
        pending: int | None = None
        body = line.group(0)
        if not body.strip():
            continue
        _, offsets = blingfire.text_to_sentences_and_offsets(body)
        for start, end in offsets:
            start, end = _strip(body, start, end)
            if start >= end:
                continue
            if sum(ch.isalpha() for ch in body[start:end]) < _MIN_FRAGMENT_LETTERS:
                pending = start if pending is None else pending
                continue
            spans.append((base + (pending if pending is not None else start), base + end))
            pending = None
        if pending is not None:  # a line that is only a fragment ("1.") still belongs to the text
            start, end = _strip(body, pending, len(body))
            spans.append((base + start, base + end))
    return spans


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
