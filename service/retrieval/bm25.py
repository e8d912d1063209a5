"""Okapi BM25 over passages given as arrays of term ids: the index is a term-major sparse matrix.

Written here rather than taken from bm25s (which this project used before, and whose default scoring,
the Lucene variant, this reproduces: a test checks the scores against it) because bm25s builds its index
from Python lists of ints. At 100,000 passages (13 million terms) that conversion alone held ~0.5 GB of
Python ints at once and the build took ~10 s of a service's start-up; here the int32 arrays the lexical
index already keeps are counted with numpy in one sort (`_term_counts`), and only the non-zero scores are
kept (float32 and int32, ~8 bytes per distinct term of a passage). A query adds up a few matrix rows:
well under a millisecond on the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

K1 = 1.5
B = 0.75
_BLOCK = 4096  # passages whose keys are made together


class Bm25:
    """`corpus[i]`: the term ids of passage i, repeats included; ids below `vocabulary_size`."""

    def __init__(self, corpus: Sequence[npt.NDArray[np.int32]], vocabulary_size: int) -> None:
        self.passages = len(corpus)
        lengths = np.fromiter((len(terms) for terms in corpus), dtype=np.int64, count=len(corpus))
        term_of, passage_of, counts = _term_counts(corpus, lengths)
        # Passages containing each term; idf as Lucene (never negative).
        self.frequency = np.bincount(term_of, minlength=vocabulary_size).astype(np.int32)
        idf = np.log1p((self.passages - self.frequency + 0.5) / (self.frequency + 0.5)).astype(np.float32)
        passage_lengths = lengths.astype(np.float32)
        average = float(passage_lengths.mean()) if len(corpus) and passage_lengths.sum() else 1.0
        # idf * count / (count + K1 * ((1 - B) + B * length / average)), in float32 and in place: each
        # temporary is 4 bytes per distinct term of a passage, and fresh memory is slow to touch.
        norm = passage_lengths[passage_of]
        norm *= B
        norm /= average
        norm += 1 - B
        norm *= K1
        norm += counts
        scores = idf[term_of]
        scores *= counts
        scores /= norm
        del counts, norm
        self._scores = scores
        self._passages = passage_of  # term-major; passages in order within a term
        self._starts = np.concatenate([[0], np.cumsum(self.frequency, dtype=np.int64)])

    # The arrays that are the index, by name: what a lexical snapshot stores, and `restore` takes back.
    ARRAYS = ("frequency", "scores", "passages", "starts")

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "frequency": self.frequency,
            "scores": self._scores,
            "passages": self._passages,
            "starts": self._starts,
        }

    @classmethod
    def restore(cls, arrays: dict[str, npt.NDArray[Any]], passages: int) -> Bm25:
        """The index of `passages` passages whose `arrays()` these were (read-only arrays, memory-mapped
        from a snapshot, will do). The caller checks that the entries name passages below `passages`."""
        frequency, starts = arrays["frequency"], arrays["starts"]
        scores, rows = arrays["scores"], arrays["passages"]
        if len(starts) != len(frequency) + 1 or len(scores) != len(rows) or starts[-1] != len(scores):
            raise ValueError("BM25 arrays of different sizes")
        index = cls.__new__(cls)
        index.passages = passages
        index.frequency, index._starts = frequency, starts
        index._scores, index._passages = scores, rows
        return index

    def scores(self, query: Sequence[int]) -> npt.NDArray[np.float32]:
        """Each passage's score for the query's term ids (a repeated term counts again, as in bm25s)."""
        total = np.zeros(self.passages, dtype=np.float32)
        for term in query:
            if 0 <= term < len(self.frequency):
                begin, end = self._starts[term], self._starts[term + 1]
                total[self._passages[begin:end]] += self._scores[begin:end]  # one entry per passage
        return total

    def top(
        self, query: Sequence[int], k: int, weights: npt.NDArray[np.float32] | None = None
    ) -> list[tuple[int, float]]:
        """The `k` best (passage, score) pairs with a positive score, best first (ties: lower index)."""
        scores = self.scores(query)
        if weights is not None:
            scores *= weights
        k = min(k, self.passages)
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k] if k < self.passages else np.arange(self.passages)
        ranked = best[np.lexsort((best, -scores[best]))]
        return [(int(index), float(scores[index])) for index in ranked if scores[index] > 0]


def _term_counts(
    corpus: Sequence[npt.NDArray[np.int32]], lengths: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """(term, passage, count) of every distinct term of every passage, ordered by term, then passage.

    One sort of `term * passages + passage` keys over the whole corpus: a `np.unique` per passage and an
    argsort after took 11 s at 100,000 passages (13 million terms), this takes ~1.5 s."""
    passages = len(corpus)
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32)
    keys = np.empty(total, dtype=np.int64)
    filled = 0
    for begin in range(0, passages, _BLOCK):  # a block at a time: temporaries of a few MB, not 100s
        block = lengths[begin : begin + _BLOCK]
        part = keys[filled : filled + int(block.sum())]
        np.concatenate(corpus[begin : begin + _BLOCK], out=part, casting="safe")
        part *= passages
        part += np.repeat(np.arange(begin, begin + len(block), dtype=np.int64), block)
        filled += len(part)
    keys.sort()
    first = np.empty(total, dtype=np.bool_)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    del first
    counts = np.empty(len(starts), dtype=np.float32)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1], casting="unsafe")
    counts[-1] = total - starts[-1]
    distinct = keys[starts]
    del keys, starts
    term_of = np.empty(len(distinct), dtype=np.int32)
    passage_of = np.empty(len(distinct), dtype=np.int32)
    np.floor_divide(distinct, passages, out=term_of, casting="unsafe")
    np.remainder(distinct, passages, out=passage_of, casting="unsafe")
    return term_of, passage_of, counts
