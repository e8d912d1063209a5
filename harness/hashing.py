"""A deterministic embedder for the tests, the benches and the scripted embeddings server.

Bag-of-words vectors from hashed tokens: no model to load, the same vectors in every process and on every
run, and texts sharing words are close, so a test can predict what dense retrieval finds. It lives here,
not in `tests/`, because the scripted embeddings server (`harness.embeddings`) serves its vectors and
benches that do not measure the model (`bench/refresh.py`, `bench/llm_fallback.py`) embed with it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from ingest.embedders import Vectors

_TOKEN = re.compile(r"\w+|[^\w\s]")


class HashingEmbedder:
    """Bag-of-words vectors from hashed tokens: texts sharing words are close, nothing is learned."""

    def __init__(self, dimension: int = 64, max_tokens: int = 256) -> None:
        self._dimension = dimension
        self._max_tokens = max_tokens
        self.calls: list[int] = []  # batch sizes, so tests can count embeddings

    @property
    def model_name(self) -> str:
        return "fake/hashing"

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return len(_TOKEN.findall(text))

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
                vectors[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
            norm = float(np.linalg.norm(vectors[row]))
            vectors[row] = vectors[row] / norm if norm else 1.0 / np.sqrt(self._dimension)
        return vectors

    def embed_passages(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[Vectors, list[Vectors]]:
        passages = self.embed(texts)
        self.calls.pop()
        self.calls.append(len(texts))
        sentences = [
            self._embed_quietly([text[start:end] for start, end in text_spans])
            for text, text_spans in zip(texts, spans, strict=True)
        ]
        return passages, sentences

    def _embed_quietly(self, texts: list[str]) -> Vectors:
        vectors = self.embed(texts)
        self.calls.pop()
        return vectors

    @property
    def embedded(self) -> int:
        return sum(self.calls)
