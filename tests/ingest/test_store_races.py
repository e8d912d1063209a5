"""Readers racing a writer that replaces versions: Chroma's two quirks do not reach the service.

Found by the multi-process test (tests/server_mode): while a writer deletes an old version's chunks, a
`get` that includes embeddings can fail with "Error finding id", and a `query` can return a deleted id
without its metadata or text. Both happen with the embedded store as with a server; here, in threads.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace

import numpy as np

from harness import HashingEmbedder
from ingest.models import Chunk, DocumentRecord
from ingest.store import ChunkStore, StoredChunk, chunk_id
from tests.fakes import nearest_chunks


def record(round_: int) -> DocumentRecord:
    return DocumentRecord(
        "doc",
        hashlib.sha256(str(round_).encode()).hexdigest(),
        "Doc",
        None,
        None,
        None,
        (),
        20,
        "/doc.md",
        "markdown",
        {},
        "2024-01-01",
    )


def write_version(store: ChunkStore, embedder: HashingEmbedder, round_: int) -> None:
    rec = record(round_)
    chunks = [
        Chunk(
            seq, f"ports quota round {round_} part {seq}.", 0, 10, None, None, f"ports quota {seq}", ((0, 5),)
        )
        for seq in range(rec.chunks)
    ]
    vectors = embedder.embed([c.embed_text for c in chunks])
    store.write_chunks([(rec, c) for c in chunks], vectors, [vectors[i : i + 1] for i in range(len(chunks))])
    store.commit([(rec, "text")])
    if round_:
        old = record(round_ - 1)
        store.delete_chunks([chunk_id(old.doc_id, old.version, seq) for seq in range(old.chunks)])


def test_reads_during_version_swaps_neither_fail_nor_return_husks(
    fake_store: ChunkStore, fake_embedder: HashingEmbedder
) -> None:
    write_version(fake_store, fake_embedder, 0)
    vector = fake_embedder.embed(["ports quota"])[0]
    errors: list[BaseException] = []
    seen: list[StoredChunk] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.extend(nearest_chunks(fake_store, vector, 40, None))
                ids = [chunk_id("doc", record(r).version, seq) for r in range(30) for seq in range(20)]
                # The reads retrieval makes: nearest ids, their distances, then the kept passages.
                nearest = dict(fake_store.nearest(vector, 40, None))
                nearest.update(fake_store.distances(ids, vector))
                assert all(np.isfinite(d) for d in nearest.values())
                kept = fake_store.chunks_by_ids(list(nearest))
                seen.extend(replace(c, distance=nearest[c.chunk_id]) for c in kept)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(1, 30):
            write_version(fake_store, fake_embedder, round_)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert seen and all(c.text and c.doc_id == "doc" for c in seen)
    assert all(c.distance is not None and np.isfinite(c.distance) for c in seen)
