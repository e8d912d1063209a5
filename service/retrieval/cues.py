"""What a question says about the answer it wants, beyond its topic.

Dates and version words pick among versions of a statement ("the original 2021 announcement", "the
revised communique"); the question form tells what kind of phrase must be in an answering sentence
("how much" wants an amount, "where" a place), which both ranks sentences and tells when the documents
talk about the topic but do not hold the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.loaders.dates import MONTHS

AnswerType = Literal["date", "amount", "number", "place", "person", "duration"]
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
_LIST = re.compile(
    r"^\s*(?:which|what|name|list)\b(?:\s+[\w.'’-]+){0,4}?\s+(?:countries|companies|firms|members|parties|"
    r"states|areas|sectors|steps|measures|commitments|deliverables|initiatives|projects|priorities|"
    r"goods|products|items|presidents|leaders|ministers|organizations|institutions|nations|elements|"
    r"principles|objectives|fields|topics|issues|points)\b|^\s*list\b|\bwhat are the\b",
    re.I,
)
_TYPE_PATTERNS: list[tuple[re.Pattern[str], AnswerType]] = [
    (
        re.compile(
            r"^\s*(?:in\s+)?(?:what|which)\s+(?:date|day|year|month)\b|^\s*when\b"
            r"|\bwhen (?:does|did|will|is|was|do|were|are)\b|\bon what date\b",
            re.I,
        ),
        "date",
    ),
    (
        re.compile(r"\bhow long\b|\bfor how many (?:years|months|days)\b|\bwithin how many\b", re.I),
        "duration",
    ),
    (
        re.compile(
            r"\bhow much (?:money|funding|financing|aid|investment|capital)\b"
            r"|\bhow much\b.*\b(?:pay|paid|cost|costs|fund|funded|invest|invested|spend|spent|worth|price|"
            r"contribute|contributed|commit|committed|pledge|pledged|provide|provided|finance|financed|trade|"
            r"raise|raised|allocate|allocated|grant|granted|lend|lent|loan)\b"
            r"|\bwhat (?:was |is )?the (?:value|amount|cost|sum|price|budget)\b"
            r"|\bhow many (?:dollars|euros)\b",
            re.I,
        ),
        "amount",
    ),
    (re.compile(r"\bhow (?:many|much)\b|\bwhat (?:percentage|percent|share|rate|number)\b", re.I), "number"),
    (
        re.compile(
            r"^\s*where\b|\bin (?:what|which) (?:city|country|town|capital|place|location)\b"
            r"|^\s*(?:what|which) (?:city|country|town|venue|location)\b",
            re.I,
        ),
        "place",
    ),
    (
        re.compile(
            r"^\s*who\b"
            r"|\bwhich (?:official|minister|president|leader|person|people|secretary|commissioner)s?\b",
            re.I,
        ),
        "person",
    ),
]


@dataclass(frozen=True, slots=True)
class Cues:
    years: frozenset[int]
    months: frozenset[tuple[int, int]]  # (year, month)
    version: VersionCue | None
    answer_type: AnswerType | None
    wants_list: bool
    counted: str | None = None  # "how many tonnes ..." -> "tonnes": an answer must count that thing
    defined: str | None = None  # "What does RISE stand for?" -> "RISE": the answer is its definition


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
    answer_type = next((kind for pattern, kind in _TYPE_PATTERNS if pattern.search(question)), None)
    return Cues(
        years=frozenset(int(year) for year in _YEAR.findall(question)),
        months=frozenset(months),
        version=version,
        answer_type=answer_type,
        wants_list=bool(_LIST.search(question)),
        counted=_counted(question),
        defined=_defined(question),
    )


_DEFINITION_QUESTION = re.compile(
    r"\bwhat (?:does|do|is|are|was)(?: the)? ([A-Z][A-Z0-9&+-]*[A-Z0-9])\b(?:\s+(?:stand for|mean|refer to))?"
    r"|\b([A-Z][A-Z0-9&+-]*[A-Z0-9]) stands? for\b"
)


def _defined(question: str) -> str | None:
    match = _DEFINITION_QUESTION.search(question)
    return (match.group(1) or match.group(2)) if match else None


_HOW_MANY = re.compile(r"\bhow many\s+(?:more\s+|new\s+|of\s+the\s+)?([a-z][\w-]*)", re.I)


def _counted(question: str) -> str | None:
    match = _HOW_MANY.search(question)
    return match.group(1).lower() if match else None
