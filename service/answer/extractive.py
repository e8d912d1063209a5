"""The answerer that needs no language model: it quotes the sentences that answer, and cites them.

Every sentence of an answer is copied verbatim from the passage it cites, so an extractive answer can
be wrong only by choosing the wrong sentence, never by inventing one. When the best evidence is weak, or
the question wants a kind of phrase (an amount, a date, a place) that no relevant sentence holds, it
says the documents do not contain the answer instead of quoting something nearby.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from service.answer.evidence import ScoredSentence, is_heading, score_sentences
from service.retrieval.hybrid import Candidate, Retrieval

STRICT_TYPES = frozenset({"date", "amount", "number", "duration", "place"})
_TYPED_MIN_LEXICAL = 0.05
_TYPED_MARGIN = 0.02  # a sentence of the wanted type must (nearly) be the best one, bonus included
_EXTRA_RATIO, _LIST_RATIO = 0.86, 0.78
_MAX_SENTENCES, _MAX_LIST_SENTENCES = 3, 6
_REDUNDANT_JACCARD = 0.6
# Off-topic question: no passage and no sentence is even loosely about it (cosine similarities).
_OFF_TOPIC_PASSAGE, _OFF_TOPIC_SENTENCE, _OFF_TOPIC_LEXICAL = 0.42, 0.45, 0.3


@dataclass(frozen=True, slots=True)
class AnswerSentence:
    start: int  # offsets in the answer text, markers included
    end: int
    sources: tuple[int, ...]  # source ids (1-based)


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    found: bool
    sources: list[Candidate]  # listed sources; source id = index + 1
    sentences: list[AnswerSentence]
    evidence: float  # score of the leading sentence, for calibration


class ExtractiveAnswerer:
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def answer(self, retrieval: Retrieval, top_k: int, idf: Callable[[str], float]) -> Answer:
        sources = retrieval.candidates[:top_k]
        scored = score_sentences(sources, retrieval.question, retrieval.cues, idf) if sources else []
        lead = _lead(scored, retrieval)
        if lead is None or lead.score < self.threshold or _off_topic(lead):
            return not_found(retrieval, lead.score if lead else 0.0)
        chosen = _with_supporting(lead, scored, retrieval.cues.wants_list)
        chosen.sort(key=lambda s: (s.rank, s.start))
        text, sentences = compose([(s.text, (s.rank + 1,)) for s in chosen])
        return Answer(text=text, found=True, sources=sources, sentences=sentences, evidence=lead.score)


def _lead(scored: list[ScoredSentence], retrieval: Retrieval) -> ScoredSentence | None:
    if not scored:
        return None
    best = scored[0]
    if retrieval.cues.answer_type not in STRICT_TYPES:
        return best
    # The passages may be on topic while none says what was asked (no amount, no date...), or say it about
    # something else (an amount that shares no telling word with the question): then there is no answer.
    return next(
        (
            s
            for s in scored
            if s.has_type and s.score >= best.score - _TYPED_MARGIN and s.lexical >= _TYPED_MIN_LEXICAL
        ),
        None,
    )


def _off_topic(lead: ScoredSentence) -> bool:
    """Some words may match (BM25 finds "World Cup" somewhere) while the quote is not about the question:
    neither the quote nor its passage is close in meaning, and it shares no rare word with the question."""
    return (
        lead.candidate.passage < _OFF_TOPIC_PASSAGE
        and lead.semantic < _OFF_TOPIC_SENTENCE
        and lead.lexical < _OFF_TOPIC_LEXICAL
        and not lead.defines
    )


def _with_supporting(
    lead: ScoredSentence, scored: list[ScoredSentence], wants_list: bool
) -> list[ScoredSentence]:
    limit, ratio = (_MAX_LIST_SENTENCES, _LIST_RATIO) if wants_list else (_MAX_SENTENCES, _EXTRA_RATIO)
    chosen = [lead]
    for sentence in scored:
        if len(chosen) >= limit or sentence.score < lead.score * ratio:
            break
        if is_heading(sentence.text) or any(_redundant(sentence, other) for other in chosen):
            continue
        if _other_version(sentence, lead):
            continue  # the answer quotes one version of a statement, not a mix of the original and revision
        if not wants_list and sentence.candidate.chunk.doc_id != lead.candidate.chunk.doc_id:
            continue  # one fact from one document: a similar sentence elsewhere is about something else
        chosen.append(sentence)
    return chosen


def _other_version(sentence: ScoredSentence, lead: ScoredSentence) -> bool:
    document = sentence.candidate.chunk.doc_id
    return document != lead.candidate.chunk.doc_id and document in lead.candidate.versions


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _redundant(one: ScoredSentence, other: ScoredSentence) -> bool:
    if one.candidate is other.candidate and (one.start, one.end) == (other.start, other.end):
        return True
    a, b = _words(one.text), _words(other.text)
    return len(a & b) / max(len(a | b), 1) >= _REDUNDANT_JACCARD


def compose(parts: list[tuple[str, tuple[int, ...]]]) -> tuple[str, list[AnswerSentence]]:
    """Join quoted sentences, each followed by its citation markers: "Quote. [1] Other quote. [2]"."""
    text = ""
    sentences: list[AnswerSentence] = []
    for quote, source_ids in parts:
        if text:
            text += " "
        start = len(text)
        text += quote + " " + "".join(f"[{n}]" for n in source_ids)
        sentences.append(AnswerSentence(start, len(text), source_ids))
    return text, sentences


def not_found(retrieval: Retrieval, evidence: float) -> Answer:
    """No citations; say so, and name the closest documents so the reader knows what is covered."""
    text = "The documents do not contain an answer to this question."
    titles: list[str] = []
    for candidate in retrieval.candidates:
        label = f"“{candidate.chunk.title}”" + (f" ({candidate.chunk.date})" if candidate.chunk.date else "")
        if label not in titles:
            titles.append(label)
        if len(titles) == 2:
            break
    if titles:
        text += " The closest documents are " + " and ".join(titles) + "."
    return Answer(text=text, found=False, sources=[], sentences=[], evidence=evidence)
