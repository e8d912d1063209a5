"""The store: chunks with vectors, one record per committed document, and a generation marker.

Consistency comes from one rule instead of transactions (Chroma has none across collections): a chunk
is visible only when its `version` equals the version in its document's record. A writer therefore
writes a new version's chunks first (invisible), then commits by upserting the document record (the
switch is a single write), then deletes the old version's chunks (already invisible). A crash at any
point leaves either the old or the new version visible, never both or neither, and leaves only
invisible chunks behind, which the next ingest removes (`orphan_chunk_ids`).

Every commit and deletion also writes a fresh `generation` token, so readers in other processes know
when to reload what they derive from the store (the document table and the lexical index).
"""

from __future__ import annotations

import functools
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np

from ingest.embedders import Vectors
from ingest.models import Chunk, DocumentRecord
from ingest.store.chroma import StoreUnavailable
from ingest.store.codec import (
    StoredChunk,
    chunk_from_metadata,
    chunk_id,
    chunk_metadata,
    record_from_metadata,
    record_metadata,
)
from ingest.store.identity import ModelIdentity, check_model
from ingest.store.identity import StoreMismatch as StoreMismatch  # re-exported: callers import it from here

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

P = ParamSpec("P")
R = TypeVar("R")
_PAGE = 2000  # records per `get` when scanning a whole collection
_WRITE_BATCH = 1000
# Records of the side collections carry no meaningful vector.
_PLACEHOLDER_VECTOR = np.ones((1, 1), dtype=np.float32)
_RETRY_DELAYS_S = (0.02, 0.1)


def _reachable(method: Callable[P, R]) -> Callable[P, R]:
    """Turn whatever the Chroma client raises when the store is gone (connection refused, a server
    error, a closed embedded client) into `StoreUnavailable`, which the service maps to a 503.

    Chroma's own `InternalError` is retried first, briefly: a `get` that includes embeddings fails with
    "Error finding id" when a writer deletes one of its ids meanwhile (an old version being dropped),
    embedded and server alike, and succeeds once the delete is through. The decorated methods only read
    or write idempotently, so a retry is safe; a refused connection or a timeout is not retried.
    """

    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        for delay in (*_RETRY_DELAYS_S, None):
            try:
                return method(*args, **kwargs)
            except StoreUnavailable:
                raise
            except Exception as err:
                if delay is not None and _transient(err):
                    time.sleep(delay)
                    continue
                raise StoreUnavailable(
                    f"the document store is unavailable: {type(err).__name__}: {err}"
                ) from err
        raise AssertionError("unreachable")

    return guarded


def _transient(err: Exception) -> bool:
    from chromadb.errors import InternalError

    return isinstance(err, InternalError)


class ChunkStore:
    """`model` is the embedding model of the opener; None opens read-only (no vectors compared)."""

    def __init__(self, client: ClientAPI, name: str, model: ModelIdentity | None) -> None:
        self._client = client
        try:
            self._chunks = client.get_or_create_collection(
                name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata=model.metadata() if model else None,
            )
            self._docs = client.get_or_create_collection(f"{name}-docs", embedding_function=None)
            self._state = client.get_or_create_collection(f"{name}-state", embedding_function=None)
            check_model(self._chunks, name, model)
        except StoreMismatch:
            raise
        except Exception as err:
            raise StoreUnavailable(f"cannot open collection {name!r}: {err}") from err

    # ---- reading -------------------------------------------------------------------------------

    @_reachable
    def generation(self) -> str:
        result = self._state.get(ids=["generation"], include=["metadatas"])
        metadatas = result["metadatas"] or []
        return str(metadatas[0]["value"]) if metadatas else ""

    @_reachable
    def documents(self) -> dict[str, DocumentRecord]:
        records: dict[str, DocumentRecord] = {}
        for ids, metadatas, _ in self._scan(self._docs, include_documents=False):
            for doc_id, metadata in zip(ids, metadatas, strict=True):
                records[doc_id] = record_from_metadata(doc_id, metadata)
        return records

    @_reachable
    def document(self, doc_id: str) -> DocumentRecord | None:
        result = self._docs.get(ids=[doc_id], include=["metadatas"])
        metadatas = result["metadatas"] or []
        return record_from_metadata(doc_id, metadatas[0]) if metadatas else None

    @_reachable
    def document_text(self, doc_id: str) -> str | None:
        result = self._docs.get(ids=[doc_id], include=["documents"])
        documents = result["documents"] or []
        return documents[0] if documents else None

    @_reachable
    def chunk_count(self) -> int:
        return int(self._chunks.count())

    def chunk_versions(self) -> dict[tuple[str, str], set[str]]:
        """Every stored chunk id, grouped by (document id, version): the ground truth for repair."""
        inventory: dict[tuple[str, str], set[str]] = defaultdict(set)
        for ids, metadatas, _ in self._scan(self._chunks, include_documents=False):
            for cid, metadata in zip(ids, metadatas, strict=True):
                inventory[(str(metadata["doc_id"]), str(metadata["version"]))].add(cid)
        return inventory

    def committed_chunks(self, records: Iterable[DocumentRecord]) -> Iterator[StoredChunk]:
        """The chunks of exactly these document versions, by their ids (`chunk_id` is deterministic).

        Unlike a paged scan (`limit`/`offset`), this cannot skip rows when a writer deletes old versions
        between two pages, which would leave a reader's lexical index short of committed passages.
        """
        wanted = [chunk_id(r.doc_id, r.version, seq) for r in records for seq in range(r.chunks)]
        for begin in range(0, len(wanted), _PAGE):
            page = self._chunks.get(ids=wanted[begin : begin + _PAGE], include=["metadatas", "documents"])
            for cid, metadata, text in zip(
                page["ids"], page["metadatas"] or [], page["documents"] or [], strict=True
            ):
                if metadata is not None and text is not None:  # see `query`
                    yield chunk_from_metadata(cid, metadata, text, None)

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """All chunks, committed or not; callers filter by the document table they hold."""
        for ids, metadatas, documents in self._scan(self._chunks, include_documents=True):
            for cid, metadata, text in zip(ids, metadatas, documents, strict=True):
                yield chunk_from_metadata(cid, metadata, text, None)

    @_reachable
    def chunks_by_ids(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Chunks by id, without their distance to anything (`nearest` and `distances` give those)."""
        if not ids:
            return []
        result = self._chunks.get(ids=list(ids), include=["metadatas", "documents"])
        # A record a writer is deleting meanwhile (an old version) can come back without its metadata
        # and text, from the embedded store and a server alike: it is invisible anyway, so skip it.
        return [
            chunk_from_metadata(cid, metadata, text, None)
            for cid, metadata, text in zip(
                result["ids"], result["metadatas"] or [], result["documents"] or [], strict=True
            )
            if metadata is not None and text is not None
        ]

    @_reachable
    def nearest(self, vector: Vectors, limit: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine distance) of the nearest chunks, without their text or metadata: reading
        those costs ~0.12 ms a chunk, so a caller fetches them (`chunks_by_ids`) only for what it keeps."""
        result = self._chunks.query(
            query_embeddings=np.asarray([vector], dtype=np.float32),
            n_results=limit,
            where=where or None,
            include=["distances"],
        )
        distances = (result["distances"] or [[]])[0]
        return [(cid, float(d)) for cid, d in zip(result["ids"][0], distances, strict=True)]

    @_reachable
    def distances(self, ids: Sequence[str], vector: Vectors) -> dict[str, float]:
        """Cosine distance of these chunks to `vector` (ids no longer stored are left out)."""
        if not ids:
            return {}
        result = self._chunks.get(ids=list(ids), include=["embeddings"])
        embeddings = result["embeddings"]
        if embeddings is None or len(embeddings) == 0:
            return {}
        similarity = np.asarray(embeddings, dtype=np.float32) @ np.asarray(vector, dtype=np.float32)
        return {cid: 1.0 - float(value) for cid, value in zip(result["ids"], similarity, strict=True)}

    def _scan(
        self, collection: Collection, include_documents: bool
    ) -> Iterator[tuple[list[str], list[Any], list[str]]]:
        offset = 0
        include: Any = ["metadatas", "documents"] if include_documents else ["metadatas"]
        while True:
            page = collection.get(include=include, limit=_PAGE, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            yield ids, list(page["metadatas"] or []), list(page["documents"] or [""] * len(ids))
            offset += len(ids)

    # ---- writing (callers hold the writer lock) ------------------------------------------------

    def write_chunks(
        self,
        chunks: Sequence[tuple[DocumentRecord, Chunk]],
        vectors: Vectors,
        sentence_vectors: Sequence[Vectors],
    ) -> None:
        """Write new versions' chunks; invisible until `commit` points their documents at them."""
        for begin in range(0, len(chunks), _WRITE_BATCH):
            part = chunks[begin : begin + _WRITE_BATCH]
            self._chunks.upsert(
                ids=[chunk_id(record.doc_id, record.version, chunk.seq) for record, chunk in part],
                embeddings=vectors[begin : begin + len(part)],
                documents=[chunk.text for _, chunk in part],
                metadatas=[
                    chunk_metadata(record, chunk, sentence_vectors[begin + index])
                    for index, (record, chunk) in enumerate(part)
                ],
            )

    def commit(self, documents: Sequence[tuple[DocumentRecord, str]]) -> None:
        """Make each `record.version` the visible version of its document (one write per document)."""
        if not documents:
            return
        self._docs.upsert(
            ids=[record.doc_id for record, _ in documents],
            embeddings=np.ones((len(documents), 1), dtype=np.float32),
            documents=[text for _, text in documents],
            metadatas=[record_metadata(record) for record, _ in documents],
        )
        self._bump()

    def forget_document(self, doc_id: str) -> None:
        """Remove the document record: its chunks become invisible at once, then are deleted."""
        self._docs.delete(ids=[doc_id])
        self._bump()
        self._chunks.delete(where={"doc_id": doc_id})

    def delete_chunks(self, ids: Sequence[str]) -> None:
        for begin in range(0, len(ids), _WRITE_BATCH):
            self._chunks.delete(ids=list(ids[begin : begin + _WRITE_BATCH]))

    def orphan_chunk_ids(self) -> list[str]:
        """Chunks no committed document version claims (left by crashes, edits and deletions)."""
        committed = {doc_id: record.version for doc_id, record in self.documents().items()}
        return [
            cid
            for (doc_id, version), ids in self.chunk_versions().items()
            if committed.get(doc_id) != version
            for cid in ids
        ]

    # ---- small records beside the generation (the writer lease) ---------------------------------

    @_reachable
    def state(self, key: str) -> dict[str, Any] | None:
        result = self._state.get(ids=[key], include=["metadatas"])
        metadatas = result["metadatas"] or []
        return dict(metadatas[0]) if metadatas and metadatas[0] else None

    @_reachable
    def put_state(self, key: str, values: dict[str, str | int | float]) -> None:
        self._state.upsert(ids=[key], embeddings=_PLACEHOLDER_VECTOR, metadatas=[values])

    @_reachable
    def delete_state(self, key: str) -> None:
        self._state.delete(ids=[key])

    def _bump(self) -> None:
        self._state.upsert(
            ids=["generation"], embeddings=_PLACEHOLDER_VECTOR, metadatas=[{"value": uuid.uuid4().hex}]
        )
