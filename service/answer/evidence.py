"""Score every sentence of the retrieved passages as a possible answer.

A sentence is a good answer when it means what the question asks (its vector, pooled at ingest from
the passage's forward pass, is close to the question's), shares the question's rare words (IDF-weighted
overlap: "Open Skies", "Schrems"), sits in a highly ranked passage, and holds the kind of phrase the
question wants (an amount for "how much", a date for "when").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from service.retrieval.acronyms import acronyms_in
from service.retrieval.cues import AnswerType, Cues
from service.retrieval.hybrid import Candidate
from service.retrieval.terms import signature_terms, terms

_W_SEMANTIC, _W_LEXICAL, _W_PASSAGE = 0.5, 0.35, 0.15
TYPE_BONUS = 0.08
HEADING_PENALTY = 0.1  # a title line is rarely the answer, unless the question names an article or section
DEFINITION_BONUS = 0.35  # "What does RISE stand for?": the sentence that spells out "(RISE)"

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|hundred|dozen)"
)
TYPE_PATTERNS: dict[AnswerType, re.Pattern[str]] = {
    "date": re.compile(
        rf"\b(?:{_MONTH}\.?\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+(?:19|20)\d\d|(?:19|20)\d\d)\b", re.I
    ),
    # Money: a currency sign, code or word ("400 million doses" is a number, not an amount).
    "amount": re.compile(
        r"[$€£¥]\s?\d|\b(?:usd|eur|cad|gbp|aud|jpy|chf|inr|yen|yuan|rupees?|pounds sterling)\b"
        r"|\b\d[\d,.]*\s*(?:million|billion|trillion|thousand)?\s*(?:dollars?|euros?)\b",
        re.I,
    ),
    "number": re.compile(rf"\b\d[\d,.]*\b|\b{_NUMBER_WORD}\b", re.I),
    "duration": re.compile(
        rf"\b(?:\d+|{_NUMBER_WORD})[\s-]+(?:[a-z]+\s+)?(?:minutes?|hours?|days?|weeks?|months?|years?|decades?)\b",
        re.I,
    ),
    # "in Phnom Penh", "at Vilnius": a preposition of place, then a name that is not an institution.
    "place": re.compile(
        r"\b(?:in|at|held in|located in|seat in|based in)\s+(?:the\s+[a-z]+\s+of\s+)?"
        r"(?!(?:the|this|that|these|its|their|our|an?|United|European|U\.S|EU|Government|Framework|Agreement|Article|"
        r"Chapter|Section|Annex|Paragraph|Part|January|February|March|April|May|June|July|August|September|"
        r"October|November|December)\b)[A-Z][a-z]+"
    ),
    "person": re.compile(
        r"\b(?:President|Prime Minister|Secretary|Minister|Commissioner|Chancellor|Ambassador|Mr\.|Ms\.|Dr\.)"
        r"\s+[A-Z]"
        r"|\b[A-Z][a-z]+\s+(?:[A-Z]\.\s+)?[A-Z][a-z]+\b"
    ),
}


# What counts as the wanted kind of phrase: "when does it expire?" is answered by "180 days after".
_FAMILIES: dict[AnswerType, tuple[AnswerType, ...]] = {
    "date": ("date", "duration"),
    "duration": ("duration", "date"),
    "amount": ("amount",),
    "number": ("number",),
    "place": ("place",),
    "person": ("person",),
}
ACCEPTED: dict[AnswerType, re.Pattern[str]] = {
    kind: re.compile(
        "|".join(f"(?:{TYPE_PATTERNS[other].pattern})" for other in others),
        0 if kind in ("place", "person") else re.I,  # these two rely on capital letters
    )
    for kind, others in _FAMILIES.items()
}


@dataclass(frozen=True, slots=True)
class ScoredSentence:
    rank: int  # rank of the passage among the candidates (0 = best)
    candidate: Candidate
    start: int  # span inside the passage text
    end: int
    score: float
    semantic: float
    lexical: float
    has_type: bool
    defines: bool = False  # spells out the acronym the question asks about

    @property
    def text(self) -> str:
        return self.candidate.chunk.text[self.start : self.end]


def score_sentences(
    candidates: list[Candidate], question: str, cues: Cues, idf: Callable[[str], float]
) -> list[ScoredSentence]:
    question_terms = set(terms(question, expand=False))
    sentence_terms = [
        [
            question_terms.intersection(_sentence_terms(candidate, candidate.chunk.text[start:end]))
            for start, end in candidate.chunk.sentences
        ]
        for candidate in candidates
    ]
    weights = _focus_weights(
        question_terms, [shared for per_chunk in sentence_terms for shared in per_chunk], idf
    )
    total = sum(weights.values()) or 1.0
    top = candidates[0].score if candidates else 1.0
    pattern = ACCEPTED.get(cues.answer_type) if cues.answer_type else None
    asks_division = bool(_DIVISION_REFERENCE.search(question))
    counted = (
        terms(cues.counted, expand=False)[0] if cues.counted and terms(cues.counted, expand=False) else None
    )
    scored: list[ScoredSentence] = []
    for rank, candidate in enumerate(candidates):
        text = candidate.chunk.text
        for index, (start, end) in enumerate(candidate.chunk.sentences):
            sentence = text[start:end]
            semantic = (
                float(candidate.sentence_scores[index]) if index < len(candidate.sentence_scores) else 0.0
            )
            lexical = sum(weights[term] for term in sentence_terms[rank][index]) / total
            has_type = bool(pattern.search(sentence)) if pattern else False
            if has_type and counted and counted not in set(terms(sentence, expand=False)):
                has_type = False  # "how many tonnes": a number of something else does not answer

            defines = cues.defined is not None and f"({cues.defined})" in sentence
            title_line = is_heading(sentence) and not asks_division
            score = (
                (DEFINITION_BONUS if defines else 0.0)
                - (HEADING_PENALTY if title_line else 0.0)
                + _W_SEMANTIC * semantic
                + _W_LEXICAL * lexical
                + _W_PASSAGE * (candidate.score / top if top else 0.0)
                + (TYPE_BONUS if has_type else 0.0)
            )
            scored.append(
                ScoredSentence(rank, candidate, start, end, score, semantic, lexical, has_type, defines)
            )
    return sorted(scored, key=lambda s: s.score, reverse=True)


def _focus_weights(
    question_terms: set[str], sentences: list[set[str]], idf: Callable[[str], float]
) -> dict[str, float]:
    """Corpus rarity times rarity among the candidate sentences.

    The retrieved passages all share the question's topic words (the statement's name, its parties), so
    those words cannot tell the answering sentence apart; the words that occur in only one or two of the
    candidate sentences ("hailed", "ZOPFAN", "emerging trends") can.
    """
    count = max(len(sentences), 1)
    ceiling = math.log(1.0 + count)
    weights = {}
    for term in question_terms:
        frequency = sum(1 for shared in sentences if term in shared)
        weights[term] = idf(term) * math.log(1.0 + count / (1.0 + frequency)) / ceiling
    return weights


_DIVISION_REFERENCE = re.compile(
    r"\b(?:article|chapter|section|annex|part|paragraph|title)\s+[\dIVXLC]", re.I
)


def is_heading(text: str) -> bool:
    """A title line: Markdown heading, or a short line without closing punctuation (not a table row)."""
    if "|" in text:
        return False
    return text.startswith("#") or (text[-1:] not in ".!?;:)" and len(text.split()) <= 12)


def _sentence_terms(candidate: Candidate, sentence: str) -> set[str]:
    """A sentence's terms, counting "NADD" as "North American Drug Dialogue" where the document says so."""
    long_forms = " ".join(
        candidate.acronyms[acronym] for acronym in acronyms_in(sentence) if acronym in candidate.acronyms
    )
    return {*terms(f"{sentence} {long_forms}", expand=False), *signature_terms(sentence)}
