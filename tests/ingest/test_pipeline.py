"""The ingest run converges: whatever happened before, the store ends up holding what the folder holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import HashingEmbedder
from ingest.discovery import UsageError
from ingest.pipeline import Ingestor
from ingest.store import ChunkStore
from ingest.summary import IngestSummary
from service.settings import Settings

STATEMENT = """---
title: Joint Statement on Energy
date: 2024-05-23
kind: joint-statement
source: https://example.org/energy
---

Energy Cooperation

The Parties will build two pipelines by 2030. They will share grid data.

Trade

The Parties will cut tariffs on solar panels to zero.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(
    store: ChunkStore, embedder: HashingEmbedder, settings: Settings, *paths: Path, prune: bool = False
) -> IngestSummary:
    return Ingestor(store, embedder, settings).run(list(paths), prune=prune)


def visible(store: ChunkStore) -> dict[str, int]:
    """Chunks per document that readers can see, after checking the store holds nothing else."""
    committed = store.documents()
    inventory = store.chunk_versions()
    assert store.orphan_chunk_ids() == []
    counts = {doc: len(ids) for (doc, version), ids in inventory.items() if committed[doc].version == version}
    assert {doc: rec.chunks for doc, rec in committed.items()} == counts
    return counts


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write(folder, "energy.md", STATEMENT)
    write(folder, "sub/notes.txt", "Short Note\n\nThe committee meets in Vilnius every spring.")
    return folder


def test_first_run_adds_then_rerun_does_nothing(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    first = run(fake_store, fake_embedder, settings, corpus)
    assert (first.count("added"), first.failed) == (2, 0)
    assert set(visible(fake_store)) == {"energy", "sub/notes"}
    record = fake_store.document("energy")
    assert record and (record.title, record.date, record.url) == (
        "Joint Statement on Energy",
        "2024-05-23",
        "https://example.org/energy",
    )
    generation, embedded = fake_store.generation(), fake_embedder.embedded
    second = run(fake_store, fake_embedder, settings, corpus)
    assert second.count("unchanged") == 2 and second.embeddings == 0
    assert fake_embedder.embedded == embedded and fake_store.generation() == generation  # no write at all


def test_an_edit_replaces_the_old_version(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus)
    write(corpus, "energy.md", STATEMENT.replace("two pipelines", "three pipelines"))
    summary = run(fake_store, fake_embedder, settings, corpus)
    assert summary.count("updated") == 1 and summary.count("unchanged") == 1
    texts = [c.text for c in fake_store.iter_chunks() if c.doc_id == "energy"]
    assert any("three pipelines" in t for t in texts) and not any("two pipelines" in t for t in texts)
    visible(fake_store)


def test_metadata_change_alone_counts_as_a_change(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus)
    write(corpus, "energy.md", STATEMENT.replace("2024-05-23", "2024-05-24"))
    assert run(fake_store, fake_embedder, settings, corpus).count("updated") == 1
    record = fake_store.document("energy")
    assert record and record.date == "2024-05-24"


def test_prune_deletes_only_with_the_flag(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus)
    (corpus / "sub" / "notes.txt").unlink()
    run(fake_store, fake_embedder, settings, corpus)
    assert "sub/notes" in fake_store.documents()
    summary = run(fake_store, fake_embedder, settings, corpus, prune=True)
    assert summary.pruned == ["sub/notes"] and summary.deleted == 1
    assert set(visible(fake_store)) == {"energy"}


def test_prune_leaves_documents_from_other_folders(
    tmp_path: Path, corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    other = tmp_path / "other"
    write(other, "kept.md", "Kept\n\nThis one came from another folder.")
    run(fake_store, fake_embedder, settings, corpus)
    run(fake_store, fake_embedder, settings, other)
    (corpus / "energy.md").unlink()
    run(fake_store, fake_embedder, settings, corpus, prune=True)
    assert set(fake_store.documents()) == {"sub/notes", "kept"}


def test_a_file_that_becomes_empty_is_removed(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus)
    write(corpus, "sub/notes.txt", "   \n\n")
    summary = run(fake_store, fake_embedder, settings, corpus)
    assert summary.failed == 1 and summary.emptied == ["sub/notes"] and summary.deleted == 1
    assert set(visible(fake_store)) == {"energy"}


def test_bad_files_are_reported_and_the_rest_ingests(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (corpus / "binary.txt").write_bytes(b"abc\x00def")
    summary = run(fake_store, fake_embedder, settings, corpus)
    failed = {Path(o.path).name: o.reason for o in summary.outcomes if o.status == "failed"}
    assert set(failed) == {"image.png", "binary.txt"}
    assert all(failed.values())
    assert summary.count("added") == 2


def test_same_text_under_two_ids_stays_two_documents(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    write(corpus, "energy-alt-url.md", STATEMENT)
    run(fake_store, fake_embedder, settings, corpus)
    visible_docs = visible(fake_store)
    assert visible_docs["energy"] == visible_docs["energy-alt-url"]


def test_a_duplicate_id_is_refused_not_merged(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    write(corpus, "energy.txt", "Another file\n\nSame id, other text.")
    summary = run(fake_store, fake_embedder, settings, corpus)
    reasons = [o.reason for o in summary.outcomes if o.status == "failed"]
    assert len(reasons) == 1 and "duplicate document id 'energy'" in (reasons[0] or "")


def test_front_matter_id_wins_over_the_path(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    write(corpus, "x.md", "---\nid: custom-id\n---\n\nBody text here.")
    run(fake_store, fake_embedder, settings, corpus)
    assert "custom-id" in fake_store.documents()


def test_an_interrupted_write_is_completed_without_re_embedding(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    first = Ingestor(fake_store, fake_embedder, settings)
    first.run([corpus])
    write(corpus, "energy.md", STATEMENT.replace("two pipelines", "four pipelines"))
    # Simulate a crash after the new version's chunks were written but before the commit.
    original_commit = fake_store.commit

    def crash(*_: object) -> None:
        raise KeyboardInterrupt

    fake_store.commit = crash  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        first.run([corpus])
    fake_store.commit = original_commit  # type: ignore[method-assign]
    assert any("two pipelines" in c.text for c in fake_store.iter_chunks() if c.doc_id == "energy")
    before = fake_embedder.embedded
    summary = run(fake_store, fake_embedder, settings, corpus)
    assert summary.count("updated") == 1 and summary.embeddings == 0 and fake_embedder.embedded == before
    visible(fake_store)


def test_lost_chunks_of_a_committed_version_are_repaired(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus)
    victim = next(c.chunk_id for c in fake_store.iter_chunks() if c.doc_id == "energy")
    fake_store.delete_chunks([victim])
    summary = run(fake_store, fake_embedder, settings, corpus)
    assert summary.embeddings == 1
    visible(fake_store)


def test_ids_come_from_the_path_relative_to_the_named_folder(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus / "sub", corpus / "energy.md")
    assert set(fake_store.documents()) == {"notes", "energy"}


def test_moving_a_file_updates_its_path_without_re_embedding(
    tmp_path: Path, corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, corpus)
    moved = tmp_path / "moved"
    corpus.rename(moved)
    summary = run(fake_store, fake_embedder, settings, moved)
    assert summary.count("unchanged") == 2 and summary.embeddings == 0
    record = fake_store.document("energy")
    assert record and record.source_path == str((moved / "energy.md").resolve())


def test_hidden_and_folder_description_files_are_ignored(
    corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    write(corpus, "README.md", "About this folder.")
    write(corpus, "INDEX.md", "A table of files.")
    write(corpus, ".hidden.md", "Secret draft.")
    write(corpus, ".git/objects.md", "Not a document.")
    summary = run(fake_store, fake_embedder, settings, corpus)
    assert summary.ignored == 3 and set(fake_store.documents()) == {"energy", "sub/notes"}


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_leading_outside_are_not_followed(
    tmp_path: Path, corpus: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    outside = write(tmp_path / "outside", "secret.md", "Secret\n\nNot for ingestion.")
    (corpus / "link.md").symlink_to(outside)
    (corpus / "inside-link.md").symlink_to(corpus / "energy.md")
    summary = run(fake_store, fake_embedder, settings, corpus)
    skipped = [o for o in summary.outcomes if o.status == "skipped"]
    assert len(skipped) == 1 and "outside" in (skipped[0].reason or "")
    assert "link" not in fake_store.documents() and "inside-link" in fake_store.documents()


def test_missing_paths_are_a_usage_error(
    tmp_path: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    with pytest.raises(UsageError, match="no such file"):
        run(fake_store, fake_embedder, settings, tmp_path / "nope")
