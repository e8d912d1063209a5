"""Build the embedder and the store from settings, the same way for the CLI, the service and tests."""

from __future__ import annotations

import logging

from ingest.chroma import open_client
from ingest.embedder import MINILM_MAX_TOKENS, Embedder, LazyEmbedder, SentenceTransformerEmbedder
from ingest.identity import ModelIdentity
from ingest.onnx_embedder import OnnxEmbedder
from ingest.onnx_export import ExportFailed, cached_model_file
from ingest.settings import StoreSettings
from ingest.store import ChunkStore

log = logging.getLogger(__name__)

# Known without loading the model, so an ingest with nothing to change starts instantly.
DEFAULT_MODEL = ("sentence-transformers/all-MiniLM-L6-v2", 384)


def open_embedder(settings: StoreSettings, lazy: bool = False) -> Embedder:
    """The bundled model in-process (`lazy`: loaded on first use), or an embeddings server if configured."""
    if settings.embeddings_url:
        from ingest.remote_embedder import RemoteEmbedder

        return RemoteEmbedder.from_settings(settings)

    def load() -> Embedder:
        return bundled_embedder(settings)

    if lazy:
        return LazyEmbedder(load, *DEFAULT_MODEL, max_tokens=MINILM_MAX_TOKENS)
    return load()


def bundled_embedder(settings: StoreSettings) -> Embedder:
    """onnxruntime unless torch is asked for or the ONNX export cannot be made (then said in the log)."""
    if settings.encoder == "onnx":
        try:
            onnx_file = cached_model_file(settings.model_cache)
        except ExportFailed as err:
            log.warning("%s; running the model on torch instead", err)
        else:
            return OnnxEmbedder(onnx_file, settings.embed_batch_size, settings.model_threads)
    if settings.model_threads:
        import torch

        torch.set_num_threads(settings.model_threads)
    return SentenceTransformerEmbedder(batch_size=settings.embed_batch_size)


def open_store(settings: StoreSettings, embedder: Embedder | None = None) -> ChunkStore:
    """With `embedder`, the store must hold (or be empty for) its model's vectors; without, read-only."""
    model = ModelIdentity(embedder.model_name, embedder.dimension) if embedder else None
    return ChunkStore(open_client(settings), settings.collection, model)
