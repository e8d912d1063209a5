"""The answerer that needs no language model: it quotes the sentences that answer, and cites them.

Every sentence of an answer is copied from the passage it cites (only its layout is tidied: line breaks
joined, heading marks and the document's own bracketed footnote numbers dropped, so "[n]" in an answer
is always one of its sources), so an extractive answer can be wrong only by choosing the wrong sentence,
never by inventing one. Which sentences, whether to answer at all, and how many to quote are the fitted
answer model's decisions (`service.answer.model`); when it judges that the documents do not answer, the
answer says so and still lists the closest passages, uncited, so the reader knows where to look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from service.answer.features import sentence_features
from service.answer.model import AnswerModel, select
from service.retrieval.hybrid import Candidate, Retrieval

NOT_FOUND = "The documents do not contain an answer to this question."
_FOOTNOTE = re.compile(r"(?<=[\w.,;:!?)”’\"'])\[\d{1,3}\]")  # "...to date.[6]": the document's own note
_BRACKETED_NUMBER = re.compile(r"\[(\d{1,3})\]")  # any other "[3]" of the document reads "(3)"
_HEADING_MARK = re.compile(r"(?m)^[ \t]*#{1,6}[ \t]+")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    start: int  # offsets in the answer text, markers included
    end: int
    sources: tuple[int, ...]  # source ids (1-based)
    passage_start: int | None = None  # the quoted span in the first cited source's passage text
    passage_end: int | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    found: bool
    sources: list[Candidate]  # listed sources; source id = index + 1 (when not found: closest passages)
    sentences: list[AnswerSentence]
    evidence: float  # the found model's probability that the documents answer


class ExtractiveAnswerer:
    def __init__(self, model: AnswerModel, threshold: float | None = None) -> None:
        self.model = model
        self.threshold = model.found_threshold if threshold is None else threshold

    def answer(self, retrieval: Retrieval, top_k: int, idf: Callable[[str], float]) -> Answer:
        sources = retrieval.candidates[:top_k]
        if not sources:
            return not_found(retrieval, 0.0, top_k)
        model = self.model
        features = sentence_features(
            sources, retrieval.question, idf, model.expected_shapes(retrieval.question)
        )
        probability = model.sentence.probability(features.matrix)
        if probability.size == 0:
            return not_found(retrieval, 0.0, top_k)
        found = float(model.found.probability(model.found_row(features.question, probability)[np.newaxis])[0])
        if found < self.threshold:
            return not_found(retrieval, found, top_k)
        chosen = sorted(
            (features.sentences[i] for i in select(features, probability, model.support)),
            key=lambda ref: (ref.rank, ref.start),
        )
        parts = [(tidy(ref.text), (ref.rank + 1,), (ref.start, ref.end)) for ref in chosen]
        text, sentences = compose(parts)
        return Answer(text=text, found=True, sources=sources, sentences=sentences, evidence=found)


def tidy(quote: str) -> str:
    """A quote as it reads: one line, no heading marks, and no "[n]" but the answer's own citations."""
    quote = _HEADING_MARK.sub("", quote)
    quote = _BRACKETED_NUMBER.sub(r"(\1)", _FOOTNOTE.sub("", quote))
    return _LINE_BREAK.sub(" ", quote).strip()


def compose(
    parts: Sequence[tuple[str, tuple[int, ...], tuple[int, int] | None]],
) -> tuple[str, list[AnswerSentence]]:
    """Join quoted sentences, each followed by its citation markers: "Quote. [1] Other quote. [2]"."""
    text = ""
    sentences: list[AnswerSentence] = []
    for quote, source_ids, span in parts:
        if text:
            text += " "
        start = len(text)
        text += quote + " " + "".join(f"[{n}]" for n in source_ids)
        passage_start, passage_end = span if span is not None else (None, None)
        sentences.append(AnswerSentence(start, len(text), source_ids, passage_start, passage_end))
    return text, sentences


def not_found(retrieval: Retrieval, evidence: float, top_k: int = 5) -> Answer:
    """No citations; say so, name the closest documents, and list their passages (as closest, not cited)."""
    text = NOT_FOUND
    titles: list[str] = []
    for candidate in retrieval.candidates:
        label = f"“{candidate.chunk.title}”" + (f" ({candidate.chunk.date})" if candidate.chunk.date else "")
        if label not in titles:
            titles.append(label)
        if len(titles) == 2:
            break
    if titles:
        text += " The closest documents are " + " and ".join(titles) + "."
    return Answer(
        text=text, found=False, sources=retrieval.candidates[:top_k], sentences=[], evidence=evidence
    )
