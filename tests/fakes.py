"""Small deterministic stand-ins for the narrow interfaces, for fast unit tests (the fake embedder,
`HashingEmbedder`, is `harness`'s: the scripted embeddings server and the benches use it too)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any


def nearest_chunks(store: Any, vector: Any, limit: int, where: dict[str, Any] | None) -> list[Any]:
    """The nearest passages with their distances, read the way retrieval reads them (ids, then passages)."""
    nearest = dict(store.nearest(vector, limit, where))
    by_id = {chunk.chunk_id: chunk for chunk in store.chunks_by_ids(list(nearest))}
    return [replace(by_id[cid], distance=distance) for cid, distance in nearest.items() if cid in by_id]
