"""The store: passages with vectors in Chroma, one record per committed document, a generation marker, and
the writer guard (file lock + lease) that keeps writers one at a time. `open_store(settings)` opens it.

The consistency rule (`chunk_store`): a passage is visible only when its version is its document's
committed version, so a reader sees the old or the new version of a document, never both or neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.settings import StoreSettings
from ingest.store.chroma import StoreUnavailable, open_client
from ingest.store.chunk_store import ChunkStore
from ingest.store.codec import StoredChunk, chunk_id, date_number
from ingest.store.guard import WriterBusy, writer_lock
from ingest.store.identity import ModelIdentity, StoreMismatch, suggest_collection

if TYPE_CHECKING:
    from ingest.embedders import Embedder

__all__ = [
    "ChunkStore",
    "ModelIdentity",
    "StoreMismatch",
    "StoreUnavailable",
    "StoredChunk",
    "WriterBusy",
    "chunk_id",
    "date_number",
    "open_client",
    "open_store",
    "suggest_collection",
    "writer_lock",
]


def open_store(settings: StoreSettings, embedder: Embedder | None = None) -> ChunkStore:
    """With `embedder`, the store must hold (or be empty for) its model's vectors; without, read-only."""
    model = ModelIdentity(embedder.model_name, embedder.dimension) if embedder else None
    return ChunkStore(open_client(settings), settings.collection, model)
