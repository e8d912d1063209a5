from dataclasses import replace

import numpy as np
import pytest

from harness import HashingEmbedder
from ingest.models import Chunk, DocumentRecord
from ingest.store import ChunkStore, StoreMismatch, open_store
from service.settings import Settings
from tests.fakes import nearest_chunks


def record(doc_id: str = "doc", version: str = "v1" * 8, chunks: int = 2) -> DocumentRecord:
    return DocumentRecord(
        doc_id=doc_id,
        version=version,
        title="Title",
        date="2024-05-23",
        kind="joint-statement",
        url="https://example.org/x",
        parties=("A", "B"),
        chunks=chunks,
        source_path="/x.md",
        format="md",
        extra={"license": "CC0"},
        ingested_at="2026-01-01T00:00:00+00:00",
    )


def chunks(texts: list[str]) -> list[Chunk]:
    out, offset = [], 0
    for seq, text in enumerate(texts):
        out.append(Chunk(seq, text, offset, offset + len(text), "H", None, text, ((0, len(text)),)))
        offset += len(text) + 2
    return out


def write(store: ChunkStore, embedder: HashingEmbedder, rec: DocumentRecord, texts: list[str]) -> None:
    cs = chunks(texts)
    vectors, sentence_vectors = embedder.embed_passages([c.embed_text for c in cs], [c.sentences for c in cs])
    store.write_chunks([(rec, c) for c in cs], vectors, sentence_vectors)


def test_record_round_trips(fake_store: ChunkStore) -> None:
    rec = record()
    fake_store.commit([(rec, "full text")])
    assert fake_store.document("doc") == rec
    assert fake_store.documents() == {"doc": rec}
    assert fake_store.document_text("doc") == "full text"
    assert fake_store.document("missing") is None


def test_uncommitted_chunks_are_orphans_and_commit_claims_them(
    fake_store: ChunkStore, fake_embedder: HashingEmbedder
) -> None:
    rec = record()
    write(fake_store, fake_embedder, rec, ["alpha beta", "gamma delta"])
    assert len(fake_store.orphan_chunk_ids()) == 2
    fake_store.commit([(rec, "alpha beta\n\ngamma delta")])
    assert fake_store.orphan_chunk_ids() == []
    newer = replace(rec, version="v2" * 8, chunks=1)
    write(fake_store, fake_embedder, newer, ["alpha beta gamma"])
    fake_store.commit([(newer, "alpha beta gamma")])
    assert sorted(fake_store.orphan_chunk_ids()) == sorted(
        cid for (doc, ver), ids in fake_store.chunk_versions().items() if ver == rec.version for cid in ids
    )


def test_generation_changes_on_every_commit_and_forget(fake_store: ChunkStore) -> None:
    before = fake_store.generation()
    fake_store.commit([(record(), "t")])
    after_commit = fake_store.generation()
    fake_store.forget_document("doc")
    assert len({before, after_commit, fake_store.generation()}) == 3
    assert fake_store.documents() == {}


def test_query_filters_by_metadata(fake_store: ChunkStore, fake_embedder: HashingEmbedder) -> None:
    a, b = record("a"), replace(record("b"), kind="agreement-text", date="1992-12-17")
    write(fake_store, fake_embedder, a, ["energy pipelines", "trade"])
    write(fake_store, fake_embedder, b, ["energy export taxes", "other"])
    vector = fake_embedder.embed(["energy"])[0]
    hits = nearest_chunks(fake_store, vector, 10, {"kind": "agreement-text"})
    assert {h.doc_id for h in hits} == {"b"}
    hits = nearest_chunks(fake_store, vector, 10, {"date_num": {"$gte": 20000101}})
    assert {h.doc_id for h in hits} == {"a"}
    top = nearest_chunks(fake_store, vector, 1, None)[0]
    assert top.text.startswith("energy") and top.heading == "H" and top.page is None
    assert top.sentences == ((0, len(top.text)),)
    assert np.allclose(top.decode_sentence_vectors()[0], fake_embedder.embed([top.text])[0], atol=1e-2)
    assert np.isclose(top.distance or 0.0, top.distance or 0.0)


def test_nearest_and_distances_agree_with_the_passages_read_by_id(
    fake_store: ChunkStore, fake_embedder: HashingEmbedder
) -> None:
    a, b = record("a"), replace(record("b"), kind="agreement-text")
    write(fake_store, fake_embedder, a, ["energy pipelines", "trade"])
    write(fake_store, fake_embedder, b, ["energy export taxes", "other"])
    vector = fake_embedder.embed(["energy"])[0]
    full = nearest_chunks(fake_store, vector, 10, None)
    nearest = fake_store.nearest(vector, 10, None)
    assert [cid for cid, _ in nearest] == [c.chunk_id for c in full]
    assert np.allclose([d for _, d in nearest], [c.distance for c in full], atol=1e-4)
    assert [cid for cid, _ in fake_store.nearest(vector, 10, {"kind": "agreement-text"})] == [
        c.chunk_id for c in full if c.doc_id == "b"
    ]
    by_id = fake_store.distances([c.chunk_id for c in full] + ["gone#0#00000"], vector)
    assert set(by_id) == {c.chunk_id for c in full}
    assert all(np.isclose(by_id[c.chunk_id], c.distance or 0.0, atol=1e-4) for c in full)
    assert fake_store.distances([], vector) == {}


def test_a_store_built_with_another_model_refuses_to_open(settings: Settings) -> None:
    open_store(settings, HashingEmbedder(dimension=64))
    with pytest.raises(StoreMismatch, match="accords ingest"):
        open_store(settings, HashingEmbedder(dimension=32))
