"""The bundled MiniLM run by onnxruntime: the same vectors as sentence-transformers, without torch.

Why: see `ingest.embedders.onnx_export`. Tokenization is the model's own tokenizer.json through `tokenizers`
(what sentence-transformers runs too), truncated to the model's 256-word-piece window; pooling is the
model's mean over real tokens, then unit length, as its sentence-transformers config says. Batches are
sorted by length so short texts are not padded to the longest of the whole call.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ingest.embedders.base import MINILM_MAX_TOKENS, Spans, Vectors, pool_spans, unit_rows
from ingest.embedders.onnx_export import INPUT_NAMES, bundled_model_path


class OnnxEmbedder:
    """`threads`: onnxruntime's intra-op threads (None = one per core, for ingest; the service uses 1)."""

    def __init__(self, onnx_file: Path, batch_size: int = 64, threads: int | None = None) -> None:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        counter = Tokenizer.from_file(str(bundled_model_path() / "tokenizer.json"))
        counter.no_padding()
        counter.no_truncation()
        self._counter = counter
        window = copy.deepcopy(counter)
        window.enable_truncation(max_length=MINILM_MAX_TOKENS)
        self._window = window
        self._batch_size = batch_size
        self._dimension = 384

    @property
    def model_name(self) -> str:
        # The same weights as SentenceTransformerEmbedder's and the same vectors: the store need not
        # know which runtime computed them.
        return "sentence-transformers/all-MiniLM-L6-v2"

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return MINILM_MAX_TOKENS

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for rows, encodings, tokens in self._batches(texts):
            masks = np.array([encoding.attention_mask for encoding in encodings], dtype=np.float32)
            summed = (tokens * masks[:, :, None]).sum(axis=1)
            vectors[rows] = summed / np.maximum(masks.sum(axis=1, keepdims=True), 1.0)
        return unit_rows(vectors)

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        """As `SentenceTransformerEmbedder.embed_passages`: sentence vectors by late chunking."""
        passages = np.zeros((len(texts), self._dimension), dtype=np.float32)
        sentences: list[Vectors] = [passages[:0]] * len(texts)
        for rows, encodings, tokens in self._batches(texts):
            for row, encoding, vectors in zip(rows, encodings, tokens, strict=True):
                real = vectors[: sum(encoding.attention_mask)]
                passages[row] = unit_rows(real.mean(axis=0, keepdims=True))[0]
                offsets = np.asarray(encoding.offsets[: len(real)])
                sentences[row] = pool_spans(real, offsets, spans[row], passages[row])
        return passages, sentences

    def _batches(self, texts: Sequence[str]) -> Any:
        """(row indexes, encodings, token vectors) per batch of similar lengths."""
        encodings = self._window.encode_batch(list(texts)) if texts else []
        order = sorted(range(len(texts)), key=lambda row: len(encodings[row].ids))
        for first in range(0, len(order), self._batch_size):
            rows = order[first : first + self._batch_size]
            batch = [encodings[row] for row in rows]
            width = max(len(encoding.ids) for encoding in batch)
            for encoding in batch:
                encoding.pad(width)
            ids = np.array([encoding.ids for encoding in batch], dtype=np.int64)
            inputs = {
                INPUT_NAMES[0]: ids,
                INPUT_NAMES[1]: np.array([encoding.attention_mask for encoding in batch], dtype=np.int64),
                INPUT_NAMES[2]: np.zeros_like(ids),
            }
            (tokens,) = self._session.run(None, inputs)
            yield rows, batch, np.asarray(tokens, dtype=np.float32)
