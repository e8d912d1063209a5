"""The lexical snapshot: a view started from it answers exactly as one that tokenized the store itself,
tokenizes only what changed since, and ignores a snapshot it cannot trust."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from harness import HashingEmbedder
from ingest.pipeline import Ingestor
from ingest.store import ChunkStore
from service.retrieval.lexical import IndexedDocument
from service.retrieval.snapshot import MAGIC, load_snapshot, save_snapshot
from service.retrieval.snapshot_writer import snapshot_path
from service.retrieval.view import StoreView
from service.settings import Settings

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
QUERIES = (
    "When was the treaty signed?",
    "fisheries quota",
    "clean energy investment",
    "digital trade data flows",
    "coastal resilience",
    "Article 4",
    "revised joint statement",
    "nothing of the sort zyzzyva",
)


def answers(view: StoreView) -> list[object]:
    index = view.lexical
    return [
        *(index.search(query, 20) for query in QUERIES),
        *(index.idf(word) for word in ("treati", "fisheri", "unknown-word")),
        *(index.acronyms(doc_id) for doc_id in sorted(view.catalog.documents)),
    ]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLES, folder)
    return folder


@pytest.fixture
def ingested(
    corpus: Path, settings: Settings, fake_store: ChunkStore, fake_embedder: HashingEmbedder
) -> ChunkStore:
    Ingestor(fake_store, fake_embedder, settings).run([corpus])
    return fake_store


class CountingStore:
    """The store, counting the passages a view fetches to tokenize."""

    def __init__(self, store: ChunkStore) -> None:
        self._store = store
        self.fetched = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def committed_chunks(self, records: object) -> Iterator[object]:
        for chunk in self._store.committed_chunks(records):  # type: ignore[arg-type]
            self.fetched += 1
            yield chunk


def started(store: ChunkStore | CountingStore, snapshot: Path | None) -> StoreView:
    view = StoreView(store, 0.0, snapshot)  # type: ignore[arg-type]
    view.close()  # writes the snapshot now
    return view


def refuse(*args: object) -> None:
    raise AssertionError("BM25 computed again")


def test_a_view_from_the_snapshot_answers_exactly_as_one_that_tokenized(
    ingested: ChunkStore, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = snapshot_path(settings)
    tokenized = started(ingested, None)
    assert not path.exists()
    started(ingested, path)
    assert path.read_bytes().startswith(MAGIC)
    counting = CountingStore(ingested)
    with monkeypatch.context() as patch:
        patch.setattr("service.retrieval.lexical.Bm25", refuse)  # the store did not change: used as saved
        restored = started(counting, path)
    assert counting.fetched == 0
    assert answers(restored) == answers(tokenized)
    assert any(answers(tokenized)[: len(QUERIES)])


def test_only_changed_documents_are_tokenized_again_and_the_index_follows(
    ingested: ChunkStore, settings: Settings, corpus: Path, fake_embedder: HashingEmbedder
) -> None:
    path = snapshot_path(settings)
    started(ingested, path)
    treaty = corpus / "northwater-basin-treaty.md"
    treaty.write_text(treaty.read_text() + "\n\nA zyzzyva clause on lighthouse keepers.\n")
    (corpus / "aldermere-coastal-resilience-fact-sheet.md").unlink()
    Ingestor(ingested, fake_embedder, settings).run([corpus], prune=True)

    counting = CountingStore(ingested)
    restored = started(counting, path)
    treaty_record = next(r for r in ingested.documents().values() if "treaty" in r.doc_id)
    assert counting.fetched == treaty_record.chunks  # the changed document only
    assert answers(restored) == answers(started(ingested, None))
    assert restored.lexical.search("zyzzyva lighthouse", 5)[0].doc_id == treaty_record.doc_id
    # ... and the snapshot it rewrote holds the new version, not the deleted document.
    loaded = load_snapshot(path)
    assert loaded is not None and set(loaded.documents) == set(ingested.documents())
    assert loaded.bm25 is not None and loaded.generation == ingested.generation()


def test_a_view_that_refreshes_after_a_write_follows_it(
    ingested: ChunkStore, settings: Settings, corpus: Path, fake_embedder: HashingEmbedder
) -> None:
    view = StoreView(ingested, 0.0, snapshot_path(settings))
    try:
        (corpus / "extra.md").write_text("# Lighthouse accord\n\nThe zyzzyva lighthouse keepers agree.\n")
        Ingestor(ingested, fake_embedder, settings).run([corpus])
        view.catch_up()
        assert view.lexical.search("zyzzyva lighthouse", 5)[0].doc_id.endswith("extra")
    finally:
        view.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:20],  # cut short
        lambda data: b"NOTMAGIC" + data[8:],
        lambda data: data[:-8],  # term ids missing
        lambda data: data.replace(b'"tokenizer":"', b'"tokenizer":"0', 1),  # other tokenizer code
    ],
)
def test_an_untrustworthy_snapshot_is_ignored_and_rewritten(
    ingested: ChunkStore, settings: Settings, damage: object
) -> None:
    path = snapshot_path(settings)
    expected = answers(started(ingested, path))
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert load_snapshot(path) is None
    counting = CountingStore(ingested)
    assert answers(started(counting, path)) == expected
    assert counting.fetched > 0
    assert load_snapshot(path) is not None


def test_an_empty_snapshot_round_trips(tmp_path: Path) -> None:
    save_snapshot(tmp_path / "empty.snapshot", [], {})
    loaded = load_snapshot(tmp_path / "empty.snapshot")
    assert loaded is not None and loaded.vocabulary.ids == {} and loaded.documents == {}
    assert loaded.bm25 is None


def test_an_unwritable_snapshot_only_costs_the_next_start(ingested: ChunkStore, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert answers(started(ingested, blocker / "lexical" / "x.snapshot")) == answers(started(ingested, None))


def test_term_ids_outside_the_vocabulary_make_a_snapshot_unreadable(tmp_path: Path) -> None:
    document = IndexedDocument("v1", ("c0",), (np.array([0, 5], dtype=np.int32),), {})
    save_snapshot(tmp_path / "bad.snapshot", ["only-term"], {"doc": document})
    assert load_snapshot(tmp_path / "bad.snapshot") is None
