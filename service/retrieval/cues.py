"""What a question says about which document it wants, beyond its topic: its dates and version words.

Dates and version words pick among versions of a statement ("the original 2021 announcement", "the
revised communique"). What kind of phrase the answer is (an amount, a date) is no longer read here with
patterns: the answer model learns it from the training questions (`service.answer.features`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.loaders.dates import MONTHS

VersionCue = Literal["original", "latest"]

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_YEAR = re.compile(
    rf"\b({_MONTH_NAMES})\.?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?((?:19|20)\d\d)\b", re.I
)
_DAY_MONTH_YEAR = re.compile(rf"\b\d{{1,2}}\s+({_MONTH_NAMES})\.?,?\s+((?:19|20)\d\d)\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_ORIGINAL = re.compile(
    r"\b(original|initial|first version|earlier version|earliest|first draft|before (?:it was|the) revis)",
    re.I,
)
_LATEST = re.compile(
    r"\b(revised|revision|updated|update|amended|corrected|latest|final version|current version|newest"
    r"|new version)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Cues:
    years: frozenset[int]
    months: frozenset[tuple[int, int]]  # (year, month)
    version: VersionCue | None


def read_cues(question: str) -> Cues:
    months = {
        (int(year), MONTHS[month.lower().rstrip(".")])
        for pattern in (_MONTH_YEAR, _DAY_MONTH_YEAR)
        for month, year in pattern.findall(question)
    }
    version: VersionCue | None = None
    if _ORIGINAL.search(question):
        version = "original"
    elif _LATEST.search(question):
        version = "latest"
    return Cues(
        years=frozenset(int(year) for year in _YEAR.findall(question)),
        months=frozenset(months),
        version=version,
    )
