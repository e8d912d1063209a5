"""The embedding models: the `Embedder` interface, the bundled model (on onnxruntime by default, on torch
as a fallback), and a remote OpenAI-compatible embeddings server. `open_embedder(settings)` picks one.
"""

from __future__ import annotations

import logging

from ingest.embedders.base import (
    MINILM_MAX_TOKENS,
    Embedder,
    EmbeddingsUnavailable,
    LazyEmbedder,
    Spans,
    Vectors,
    pool_spans,
    unit_rows,
)
from ingest.settings import StoreSettings

__all__ = [
    "DEFAULT_MODEL",
    "MINILM_MAX_TOKENS",
    "Embedder",
    "EmbeddingsUnavailable",
    "LazyEmbedder",
    "Spans",
    "Vectors",
    "bundled_embedder",
    "open_embedder",
    "pool_spans",
    "unit_rows",
]
log = logging.getLogger(__name__)

# Known without loading the model, so an ingest with nothing to change starts instantly.
DEFAULT_MODEL = ("sentence-transformers/all-MiniLM-L6-v2", 384)


def open_embedder(settings: StoreSettings, lazy: bool = False) -> Embedder:
    """The bundled model in-process (`lazy`: loaded on first use), or an embeddings server if configured."""
    if settings.embeddings_url:
        from ingest.embedders.remote import RemoteEmbedder

        return RemoteEmbedder.from_settings(settings)

    def load() -> Embedder:
        return bundled_embedder(settings)

    if lazy:
        return LazyEmbedder(load, *DEFAULT_MODEL, max_tokens=MINILM_MAX_TOKENS)
    return load()


def bundled_embedder(settings: StoreSettings) -> Embedder:
    """onnxruntime unless torch is asked for or the ONNX export cannot be made (then said in the log)."""
    if settings.encoder == "onnx":
        from ingest.embedders.onnx import OnnxEmbedder
        from ingest.embedders.onnx_export import ExportFailed, cached_model_file

        try:
            onnx_file = cached_model_file(settings.model_cache)
        except ExportFailed as err:
            log.warning("%s; running the model on torch instead", err)
        else:
            return OnnxEmbedder(onnx_file, settings.embed_batch_size, settings.model_threads)
    if settings.model_threads:
        import torch

        torch.set_num_threads(settings.model_threads)
    from ingest.embedders.bundled import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(batch_size=settings.embed_batch_size)
