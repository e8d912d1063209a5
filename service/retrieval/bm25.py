"""Okapi BM25 over passages given as arrays of term ids: the index is a term-major sparse matrix.

Written here rather than taken from bm25s (which this project used before, and whose default scoring,
the Lucene variant, this reproduces: a test checks the scores against it) because bm25s builds its index
from Python lists of ints. At 100,000 passages (13 million terms) that conversion alone held ~0.5 GB of
Python ints at once and the build took ~10 s of a service's start-up; here the int32 arrays the lexical
index already keeps are counted with numpy, per passage, and only the non-zero scores are kept (float32 and
int32, ~8 bytes per distinct term of a passage). A query adds up a few matrix rows: well under a
millisecond on the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

K1 = 1.5
B = 0.75


class Bm25:
    """`corpus[i]`: the term ids of passage i, repeats included; ids below `vocabulary_size`."""

    def __init__(self, corpus: Sequence[npt.NDArray[np.int32]], vocabulary_size: int) -> None:
        self.passages = len(corpus)
        lengths = np.fromiter((len(terms) for terms in corpus), dtype=np.float32, count=len(corpus))
        distinct = [np.unique(terms, return_counts=True) for terms in corpus]
        term_of = np.concatenate([ids for ids, _ in distinct] or [np.zeros(0, np.int32)]).astype(np.int32)
        counts = np.concatenate([c for _, c in distinct] or [np.zeros(0, np.int64)]).astype(np.float32)
        passage_of = np.repeat(
            np.arange(len(corpus), dtype=np.int32),
            np.fromiter((len(ids) for ids, _ in distinct), dtype=np.int64, count=len(corpus)),
        )
        del distinct
        # Passages containing each term; idf as Lucene (never negative).
        self.frequency = np.bincount(term_of, minlength=vocabulary_size).astype(np.int32)
        idf = np.log1p((self.passages - self.frequency + 0.5) / (self.frequency + 0.5)).astype(np.float32)
        average = float(lengths.mean()) if len(corpus) and lengths.sum() else 1.0
        norm = K1 * ((1 - B) + B * lengths[passage_of] / average)
        scores = idf[term_of] * counts / (counts + norm)
        del counts, norm
        order = np.argsort(term_of, kind="stable")  # term-major; passages stay in order within a term
        self._scores = scores[order].astype(np.float32)
        self._passages = passage_of[order]
        self._starts = np.concatenate([[0], np.cumsum(self.frequency, dtype=np.int64)])

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
