"""BM25 scores against bm25s (the library this scorer replaced, kept as a test reference)."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest
from bm25s.tokenization import Tokenized

from service.retrieval.bm25 import Bm25


def random_corpus(seed: int, passages: int, vocabulary: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    # Zipf-like term draws, passages of 5-120 terms, some terms repeated within a passage.
    weights = 1.0 / np.arange(1, vocabulary + 1)
    weights /= weights.sum()
    return [
        rng.choice(vocabulary, size=int(rng.integers(5, 120)), p=weights).astype(np.int32)
        for _ in range(passages)
    ]


def reference(corpus: list[np.ndarray], vocabulary: int, query: list[int]) -> np.ndarray:
    index = bm25s.BM25()
    ids = {str(i): i for i in range(vocabulary)}
    index.index(Tokenized(ids=[c.tolist() for c in corpus], vocab=ids), show_progress=False)
    return np.asarray(index.get_scores_from_ids(query), dtype=np.float32)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_match_bm25s(seed: int) -> None:
    vocabulary = 300
    corpus = random_corpus(seed, 400, vocabulary)
    ours = Bm25(corpus, vocabulary)
    for query in ([0], [5, 17, 17, 250], [299], list(range(0, 300, 7))):
        np.testing.assert_allclose(
            ours.scores(query), reference(corpus, vocabulary, query), rtol=1e-5, atol=1e-6
        )


def test_top_ranks_by_score_then_index_and_drops_zeros() -> None:
    corpus = [np.array(t, dtype=np.int32) for t in ([1, 2], [2, 2, 3], [4], [1, 2], [5, 5, 5])]
    index = Bm25(corpus, 6)
    hits = index.top([2], k=10)
    assert [p for p, _ in hits] == [1, 0, 3]  # passage 1 has term 2 twice; 0 and 3 tie: lower index first
    assert hits[1][1] == hits[2][1] > 0
    assert index.top([2], k=1) == hits[:1]
    assert index.top([4, 5], k=10, weights=np.array([1, 1, 0, 1, 1], dtype=np.float32)) == [
        (4, pytest.approx(index.scores([5])[4]))
    ]
    assert index.frequency.tolist() == [0, 2, 3, 1, 1, 1]


def test_unknown_terms_and_an_empty_corpus_give_nothing() -> None:
    index = Bm25([np.array([1, 2], dtype=np.int32)], 3)
    assert index.top([7, -1], k=5) == []
    empty = Bm25([], 10)
    assert empty.top([1], k=5) == [] and empty.scores([1]).shape == (0,)


def per_passage_reference(corpus: list[np.ndarray], vocabulary: int) -> tuple[np.ndarray, ...]:
    """The index as it was built before one sort did it: np.unique per passage, then a stable argsort."""
    lengths = np.fromiter((len(t) for t in corpus), dtype=np.float32, count=len(corpus))
    distinct = [np.unique(t, return_counts=True) for t in corpus]
    term_of = np.concatenate([ids for ids, _ in distinct]).astype(np.int32)
    counts = np.concatenate([c for _, c in distinct]).astype(np.float32)
    passage_of = np.repeat(np.arange(len(corpus), dtype=np.int32), [len(ids) for ids, _ in distinct])
    frequency = np.bincount(term_of, minlength=vocabulary).astype(np.int32)
    idf = np.log1p((len(corpus) - frequency + 0.5) / (frequency + 0.5)).astype(np.float32)
    norm = 1.5 * ((1 - 0.75) + 0.75 * lengths[passage_of] / float(lengths.mean()))
    scores = idf[term_of] * counts / (counts + norm)
    order = np.argsort(term_of, kind="stable")
    return frequency, scores[order].astype(np.float32), passage_of[order]


@pytest.mark.parametrize(("seed", "block"), [(4, 4096), (5, 7)])
def test_the_index_is_bit_for_bit_the_one_built_passage_by_passage(
    seed: int, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.retrieval.bm25._BLOCK", block)  # passages keyed together
    corpus = random_corpus(seed, 500, 400)
    frequency, scores, passages = per_passage_reference(corpus, 400)
    ours = Bm25(corpus, 400)
    assert np.array_equal(ours.frequency, frequency)
    assert np.array_equal(ours._scores, scores) and np.array_equal(ours._passages, passages)
