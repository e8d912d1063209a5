"""Check a generated answer's citations against the passages they point at.

A language model can cite a passage that does not say what its sentence says, cite a number it was never
given, or state a fact with no citation at all. The extractive answerer cannot (it quotes), so only LLM
answers go through here. Markers that point at no listed source are removed; every sentence that cites is
then checked against its passages with two cheap signals: lexical support (the share of the sentence's
content terms found in the passages, title and heading included) and embedding support (the best cosine
between the sentence and the passages' sentence vectors stored at ingest: one small model call for the
whole answer). Figures are checked exactly: a number the passages do not contain is never supported.
A sentence that makes a factual claim without any citation is unsupported too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ingest.embedders import Embedder, Vectors
from ingest.store import StoredChunk
from service.answer.sentences import Sentence, split, tidy, without_markers
from service.retrieval.terms import terms

# Support = the mean of lexical and embedding support. Calibrated on the bundled samples with MiniLM
# (tests/service/llm/test_citations.py): paraphrases of the cited sentence score 0.56-0.88, sentences about
# something else at most 0.26, true claims citing the wrong passage at most 0.42.
SUPPORT_THRESHOLD = 0.5
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_NOT_A_CLAIM = re.compile(
    r"\b(?:do(?:es)?\s+not|don't|doesn't|cannot|can't|could\s+not|no|not)\b.{0,60}?"
    r"\b(?:contain|say|mention|specify|state|answer|information|address|cover|provide|found|include)",
    re.I,
)
_MIN_CLAIM_TERMS = 3


@dataclass(frozen=True, slots=True)
class Support:
    lexical: float
    semantic: float
    figures_match: bool

    @property
    def score(self) -> float:
        return (self.lexical + self.semantic) / 2

    @property
    def supported(self) -> bool:
        return self.figures_match and self.score >= SUPPORT_THRESHOLD


@dataclass(frozen=True, slots=True)
class Checked:
    text: str  # markers tidied, invalid ones removed
    sentences: list[Sentence]
    unsupported: list[int]  # indexes into `sentences`
    removed_markers: int
    found: bool  # it cites or claims something; False = the model said the documents do not answer


class CitationChecker:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def check(self, text: str, passages: list[StoredChunk]) -> Checked:
        """`passages[n - 1]` is the passage marker [n] points at."""
        tidied, removed = tidy(text, len(passages))
        sentences = split(tidied)
        citing = [s for s in sentences if s.sources]
        vectors = self._embedder.embed([without_markers(s.text) for s in citing]) if citing else None
        supported_ids: set[int] = set()
        for row, sentence in enumerate(citing):
            assert vectors is not None
            cited = [passages[n - 1] for n in sentence.sources]
            if self.support(sentence.text, cited, vectors[row]).supported:
                supported_ids.add(id(sentence))
        unsupported = [
            index
            for index, sentence in enumerate(sentences)
            if (sentence.sources and id(sentence) not in supported_ids)
            or (not sentence.sources and is_claim(sentence.text))
        ]
        found = bool(citing) or any(is_claim(s.text) for s in sentences)
        return Checked(tidied, sentences, unsupported, removed, found)

    def support(self, sentence: str, passages: list[StoredChunk], vector: Vectors | None = None) -> Support:
        plain = without_markers(sentence)
        if vector is None:
            vector = self._embedder.embed([plain])[0]
        return Support(
            lexical=lexical_support(plain, passages),
            semantic=max((self._semantic(vector, passage) for passage in passages), default=0.0),
            figures_match=figures_match(plain, passages),
        )

    def _semantic(self, vector: Vectors, passage: StoredChunk) -> float:
        sentence_vectors = passage.decode_sentence_vectors()
        if not sentence_vectors.size:
            sentence_vectors = self._embedder.embed([passage.text])
        return float(np.max(sentence_vectors @ vector))


def lexical_support(sentence: str, passages: list[StoredChunk]) -> float:
    wanted = set(terms(sentence, expand=False))
    if not wanted:
        return 0.0
    available: set[str] = set()
    for passage in passages:
        available.update(terms(" ".join(filter(None, (passage.title, passage.heading, passage.text)))))
    return len(wanted & available) / len(wanted)


def figures_match(sentence: str, passages: list[StoredChunk]) -> bool:
    wanted = {_figure(n) for n in _NUMBER.findall(sentence)}
    if not wanted:
        return True
    context = " ".join(" ".join(filter(None, (p.title, p.date, p.heading, p.text))) for p in passages)
    available = {_figure(n) for n in _NUMBER.findall(context)}
    available.update(
        value for word, value in _NUMBER_WORDS.items() if re.search(rf"\b{word}\b", context, re.I)
    )
    return wanted <= available


def _figure(number: str) -> str:
    return number.replace(",", "").rstrip(".")


def is_claim(sentence: str) -> bool:
    """States something about the documents' subject (not "The documents do not say.", not a question)."""
    plain = without_markers(sentence)
    if plain.endswith("?") or _NOT_A_CLAIM.search(plain):
        return False
    return len(set(terms(plain, expand=False))) >= _MIN_CLAIM_TERMS
