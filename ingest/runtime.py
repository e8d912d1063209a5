"""Build the embedder and the store from settings, the same way for the CLI, the service and tests."""

from __future__ import annotations

from ingest.chroma import open_client
from ingest.embedder import MINILM_MAX_TOKENS, Embedder, LazyEmbedder, SentenceTransformerEmbedder
from ingest.settings import StoreSettings
from ingest.store import ChunkStore

# Known without loading the model, so read-only commands (`accords docs`) start instantly.
DEFAULT_MODEL = ("sentence-transformers/all-MiniLM-L6-v2", 384)


def open_embedder(settings: StoreSettings, lazy: bool = False) -> Embedder:
    def load() -> Embedder:
        return SentenceTransformerEmbedder(batch_size=settings.embed_batch_size)

    if lazy:
        return LazyEmbedder(load, *DEFAULT_MODEL, max_tokens=MINILM_MAX_TOKENS)
    return load()


def open_store(settings: StoreSettings, embedder: Embedder | None = None) -> ChunkStore:
    model, dimension = (embedder.model_name, embedder.dimension) if embedder else DEFAULT_MODEL
    return ChunkStore(open_client(settings), settings.collection, model, dimension)
