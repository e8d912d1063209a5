"""Split a written answer into sentences and read its [n] citation markers, the way every client does.

The `unsupported` indexes of a response point into its `sentences`, and the widget marks sentences by
splitting the answer text itself, so the split must be exactly the widget's: `re.split(r"(?<=[.!?])\\s+")`
with nothing removed. Models often put markers after the full stop ("... in 2021. [2]"), which that split
would hand to the next sentence; `tidy` first moves them before it ("... in 2021 [2].") and rewrites
"[1, 3]" as "[1][3]", and drops markers that point at no listed source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOUNDARY = re.compile(r"(?<=[.!?])\s+")
MARKER = re.compile(r"\[(\d{1,4})\]")
_MARKER_LIST = re.compile(r"\[\s*(\d{1,4}(?:\s*,\s*\d{1,4})+)\s*\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d{1,4}\])+)(?=\s|$)")
_SPACE_BEFORE_STOP = re.compile(r"[ \t]+([.!?])")
_ADJACENT_MARKERS = re.compile(r"(\[\d{1,4}\])\s+(?=\[\d{1,4}\])")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int  # span in the answer text, markers included
    end: int
    text: str
    sources: tuple[int, ...]  # valid source ids cited, in order, without repeats


def tidy(text: str, listed: int) -> tuple[str, int]:
    """The answer with markers in canonical form, and how many invalid markers were removed.

    `listed` is the number of sources the model was given: [1]..[listed] are valid.
    """
    text = _MARKER_LIST.sub(lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text)
    removed = 0

    def keep(match: re.Match[str]) -> str:
        nonlocal removed
        if 1 <= int(match.group(1)) <= listed:
            return match.group(0)
        removed += 1
        return ""

    text = MARKER.sub(keep, text)
    text = _MARKERS_AFTER_STOP.sub(lambda m: " " + _joined(m.group(2)) + m.group(1), text)
    text = _ADJACENT_MARKERS.sub(r"\1", text)
    text = _SPACE_BEFORE_STOP.sub(r"\1", re.sub(r"[ \t]{2,}", " ", text))
    return text.strip(), removed


def _joined(markers: str) -> str:
    return "".join(f"[{n}]" for n in MARKER.findall(markers))


def split(text: str) -> list[Sentence]:
    """Sentences of `text` as the widget sees them, with the valid markers each one carries."""
    if not text:
        return []
    sentences: list[Sentence] = []
    start = 0
    for boundary in [*BOUNDARY.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        piece = text[start:end]
        ids = tuple(dict.fromkeys(int(n) for n in MARKER.findall(piece)))
        sentences.append(Sentence(start, end, piece, ids))
        if boundary:
            start = boundary.end()
    return sentences


def without_markers(text: str) -> str:
    return re.sub(r"\s+", " ", MARKER.sub("", text)).strip()
