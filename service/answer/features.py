"""What the answer model sees: numbers describing each candidate sentence, and the question as a whole.

No feature decides anything on its own; `service.answer.model` weighs them with parameters fitted on
questions with known answers (`accords tune`). Sentence features: how close the sentence and its passage
are in meaning (the MiniLM vectors from ingest), how many of the question's rare words it shares (IDF
over the store, weighted by how few candidate sentences share each word), where its passage ranked, and
its shape (numbers, years, months, currency, percentages, capitalised names, country names), and how
that shape matches the shape the question's answer is expected to have. The expectation is itself learned
(`AnswerModel.expected_shapes`: from the question's opening words, trained on the shapes of the gold
answers), so the model finds by itself that "when" wants a date and "how much" an amount. Crossing every
opening word with every shape directly overfitted: on the training questions, cross-validated, the best
sentence held the answer for 0.52 of them against 0.62 with the learned expectation. Question features
say whether the passages can answer at all, most of all which of the question's rare words none of them
contains: a question about a detail no document gives still finds passages on its topic, not the detail.
"""

from __future__ import annotations

import calendar
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from service.retrieval.acronyms import acronyms_in
from service.retrieval.aliases import country_records
from service.retrieval.hybrid import Candidate
from service.retrieval.terms import terms

Matrix = npt.NDArray[np.float64]

SHAPES = ("number", "year", "month", "currency", "percent", "names", "country")
BASE = (
    "semantic",
    "semantic_gap",
    "passage",
    "passage_gap",
    "retrieval",
    "bm25",
    "rank_inverse",
    "focus",
    "coverage",
    "passage_coverage",
    "heading",
    "length",
    "first_in_passage",
    "defines",
)
_OPENING_WORDS = 3  # the question's first words that may carry its form ("how many", "in which year")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_NUMBER = re.compile(r"\d")
_PERCENT = re.compile(r"%|\bper\s?cent\b", re.I)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")
_WORDS = re.compile(r"[\w'’-]+")


@lru_cache(maxsize=1)
def _vocabularies() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Months (the standard library's calendar), currency signs (Unicode's category Sc), currency codes
    and country names (`countryinfo`)."""
    months = {m.lower() for m in (*calendar.month_name[1:], *calendar.month_abbr[1:])}
    countries: set[str] = set()
    currencies: set[str] = set()
    for data in country_records():
        countries.add(str(data.get("name") or ""))
        currencies.update(str(code) for code in data.get("currencies") or [])
    countries.discard("")

    def alternation(words: set[str], flags: int = 0) -> re.Pattern[str]:
        """`\b(?:longest|...|shortest)\b`, led by a look-ahead for the words' first letters: the same
        matches, but most positions fail at once instead of trying every word (the 250 country names
        took 17 µs a sentence, 4.7 µs with it)."""
        ordered = sorted((re.escape(w) for w in words if w), key=len, reverse=True)
        firsts = re.escape("".join(sorted({w[0] for w in words if w})))
        return re.compile(rf"\b(?=[{firsts}])(?:{'|'.join(ordered)})\b", flags)

    symbols = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Sc")
    return (
        alternation(months, re.I),
        re.compile(rf"[{re.escape(symbols)}]|{alternation(currencies).pattern}"),
        alternation(countries),
    )


def opening(question: str) -> list[str]:
    """The question's first words, lower case: what the model crosses with the sentence's shape."""
    return [w.lower() for w in _WORDS.findall(question)[:_OPENING_WORDS]]


FEATURES = (*BASE, *SHAPES, *(f"{s}*expected" for s in SHAPES), *(f"{s}*unexpected" for s in SHAPES))


def shape(sentence: str) -> list[float]:
    months, currency, countries = _vocabularies()
    words = max(len(sentence.split()), 1)
    return [
        float(bool(_NUMBER.search(sentence))),
        float(bool(_YEAR.search(sentence))),
        float(bool(months.search(sentence))),
        float(bool(currency.search(sentence))),
        float(bool(_PERCENT.search(sentence))),
        min(len(_CAPITALISED.findall(sentence)) / words * 3.0, 1.0),
        float(bool(countries.search(sentence))),
    ]


@dataclass(frozen=True, slots=True)
class SentenceRef:
    rank: int  # the passage's rank among the sources (0 = best)
    candidate: Candidate
    index: int  # the sentence's index in its passage
    start: int  # span inside the passage text
    end: int

    @property
    def text(self) -> str:
        return self.candidate.chunk.text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Features:
    sentences: list[SentenceRef]
    matrix: Matrix  # one row a sentence, columns as `FEATURES`
    question: npt.NDArray[np.float64]  # the question-level features, as `QUESTION_FEATURES`
    missing: list[str]  # the question's rare words no source contains (for the log and the tests)


def sentence_features(
    candidates: Sequence[Candidate],
    question: str,
    idf: Callable[[str], float],
    expected: npt.NDArray[np.float64],
) -> Features:
    """`expected`: P(the answer has each of `SHAPES`), as the answer model reads the question."""
    asked = set(terms(question, expand=False))
    defined = acronyms_in(question)
    refs: list[SentenceRef] = []
    shared: list[set[str]] = []
    for rank, candidate in enumerate(candidates):
        for index, (start, end) in enumerate(candidate.chunk.sentences):
            refs.append(SentenceRef(rank, candidate, index, start, end))
            shared.append(asked.intersection(terms(candidate.chunk.text[start:end], expand=False)))
    weights = _focus_weights(asked, shared, idf)
    total_focus = sum(weights.values()) or 1.0
    rarity = {term: idf(term) for term in asked}
    total_rarity = sum(rarity.values()) or 1.0
    passage_terms = [set(terms(c.chunk.text, expand=False)) & asked for c in candidates]
    top_score = max((c.score for c in candidates), default=1.0) or 1.0
    top_passage = max((c.passage for c in candidates), default=0.0)
    semantics = [_semantic(ref) for ref in refs]
    top_semantic = max(semantics, default=0.0)
    rows = []
    for ref, semantic, words in zip(refs, semantics, shared, strict=True):
        candidate, sentence = ref.candidate, ref.text
        base = [
            semantic,
            top_semantic - semantic,
            candidate.passage,
            top_passage - candidate.passage,
            candidate.score / top_score,
            candidate.lexical,
            1.0 / (1.0 + ref.rank),
            sum(weights[t] for t in words) / total_focus,
            sum(rarity[t] for t in words) / total_rarity,
            sum(rarity[t] for t in passage_terms[ref.rank]) / total_rarity,
            float(_is_heading(sentence)),
            math.log1p(len(sentence.split())),
            float(ref.index == 0),
            float(any(f"({acronym})" in sentence for acronym in defined)),
        ]
        shapes = np.asarray(shape(sentence), dtype=np.float64)
        rows.append([*base, *shapes, *(shapes * expected), *(shapes * (1.0 - expected))])
    matrix = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
    missing, names = _missing(question, candidates, idf)
    question_row = np.asarray(
        [
            sum(idf(t) for t in missing) / (sum(idf(t) for t in _plain_terms(question)) or 1.0),
            max((idf(t) for t in missing), default=0.0),
            max((idf(t) for t in names), default=0.0),
            float(any(t[0].isdigit() for t in missing)),
            top_passage,
            top_semantic,
            max((c.lexical for c in candidates), default=0.0),
        ],
        dtype=np.float64,
    )
    return Features(refs, matrix, question_row, missing)


def _plain_terms(text: str) -> set[str]:
    """Single words (compounds split, possessives dropped): "Biden-Trudeau's" is "biden" and "trudeau"."""
    return {t for t in terms(text.replace("’", "'").replace("'s ", " "), expand=True) if t.isalnum()}


def _missing(
    question: str, candidates: Sequence[Candidate], idf: Callable[[str], float]
) -> tuple[list[str], list[str]]:
    """The question's words that no source contains, rarest first, and those of them that were names
    (capitalised in the question, not its first word)."""
    present: set[str] = set()
    for candidate in candidates:
        present |= _plain_terms(
            f"{candidate.chunk.title} {candidate.chunk.heading or ''} {candidate.chunk.text}"
        )
    missing = sorted(_plain_terms(question) - present, key=lambda t: (-idf(t), t))
    named = _plain_terms(" ".join(_CAPITALISED.findall(question)))
    return missing, [t for t in missing if t in named]


QUESTION_FEATURES = (
    "missing_share",
    "missing_max_idf",
    "missing_name_max_idf",
    "missing_number",
    "top_passage",
    "top_semantic",
    "top_bm25",
)


def _semantic(ref: SentenceRef) -> float:
    scores = ref.candidate.sentence_scores
    return float(scores[ref.index]) if ref.index < len(scores) else ref.candidate.passage


def _focus_weights(asked: set[str], shared: list[set[str]], idf: Callable[[str], float]) -> dict[str, float]:
    """Corpus rarity times rarity among the candidate sentences: the retrieved passages all share the
    question's topic words, so those cannot tell the answering sentence apart; the rare ones can."""
    count = max(len(shared), 1)
    ceiling = math.log(1.0 + count)
    return {
        term: idf(term) * math.log(1.0 + count / (1.0 + sum(term in s for s in shared))) / ceiling
        for term in asked
    }


def _is_heading(text: str) -> bool:
    """A title line: Markdown heading, or a short line without closing punctuation (not a table row)."""
    if "|" in text:
        return False
    return text.startswith("#") or (text[-1:] not in ".!?;:)" and len(text.split()) <= 12)
