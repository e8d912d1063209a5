"""Hostile or damaged files in an ingest folder: reported, never hanging the run, never costing the
document already stored for them. Only a file known to be empty removes its document."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import HashingEmbedder
from ingest.discovery import discover
from ingest.loaders import budgets
from ingest.pipeline import Ingestor
from ingest.store import ChunkStore
from ingest.summary import IngestSummary
from service.settings import Settings
from tests.ingest.loaders.hostile import alias_bomb

PAGE = (
    "<html><head><title>Fisheries Accord</title></head><body><article><h1>Fisheries Accord</h1>"
    "<p>The Parties set the herring quota at 48,000 tonnes for 2025.</p></article></body></html>"
)
NOTE = "---\ntitle: Grid Note\n---\n\nThe committee shares grid data every spring.\n"


def run(
    store: ChunkStore, embedder: HashingEmbedder, settings: Settings, folder: Path, prune: bool = False
) -> IngestSummary:
    return Ingestor(store, embedder, settings).run([folder], prune=prune)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "accord.html").write_text(PAGE, encoding="utf-8")
    (corpus / "note.md").write_text(NOTE, encoding="utf-8")
    return corpus


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.timeout(60)
def test_a_fifo_in_the_folder_is_skipped_and_the_run_finishes(
    folder: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    os.mkfifo(folder / "pipe.md")
    summary = run(fake_store, fake_embedder, settings, folder)
    skipped = {Path(o.path).name: o.reason for o in summary.outcomes if o.status == "skipped"}
    assert skipped == {"pipe.md": "not a regular file: a named pipe (FIFO)"}
    assert summary.count("added") == 2 and summary.failed == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_named_directly_is_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    found = discover([tmp_path / "pipe.txt"], ())
    assert found.candidates == [] and found.skipped == [
        (tmp_path / "pipe.txt", "not a regular file: a named pipe (FIFO)")
    ]


@pytest.mark.parametrize(
    ("name", "replacement", "reason"),
    [
        ("accord.html", "<div>" * 300 + "x" + "</div>" * 300, "too deeply nested"),
        ("accord.html", "<html><body><nav>Home</nav></body></html>", "no text found in the page"),
        ("note.md", alias_bomb(), "front matter uses a YAML alias (*a0, line 3): aliases are refused"),
    ],
    ids=["over-budget", "nothing-extracted", "alias-bomb"],
)
@pytest.mark.parametrize("prune", [False, True])
def test_a_failed_new_version_leaves_the_stored_document_as_it_was(
    folder: Path,
    fake_store: ChunkStore,
    fake_embedder: HashingEmbedder,
    settings: Settings,
    name: str,
    replacement: str,
    reason: str,
    prune: bool,
) -> None:
    run(fake_store, fake_embedder, settings, folder)
    doc_id = name.rsplit(".", 1)[0]
    before = fake_store.document(doc_id)
    (folder / name).write_text(replacement, encoding="utf-8")
    summary = run(fake_store, fake_embedder, settings, folder, prune=prune)
    failed = [o for o in summary.outcomes if o.status == "failed"]
    assert len(failed) == 1 and failed[0].doc_id == doc_id
    assert reason in (failed[0].reason or "") and (failed[0].reason or "").endswith(
        "; the stored version is kept"
    )
    assert summary.emptied == [] and summary.pruned == [] and summary.deleted == 0
    assert fake_store.document(doc_id) == before


def test_a_file_over_a_size_budget_keeps_its_stored_document(
    folder: Path,
    fake_store: ChunkStore,
    fake_embedder: HashingEmbedder,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run(fake_store, fake_embedder, settings, folder)
    monkeypatch.setattr(budgets, "MAX_TEXT_FILE_BYTES", 64)
    summary = run(fake_store, fake_embedder, settings, folder, prune=True)
    [outcome] = [o for o in summary.outcomes if o.status == "failed"]
    budget = "over the 64 bytes budget for this format"
    assert outcome.reason == f"too large: {len(NOTE)} bytes, {budget}; the stored version is kept"
    assert set(fake_store.documents()) == {"accord", "note"}


def test_a_blank_page_is_empty_and_still_removes_its_document(
    folder: Path, fake_store: ChunkStore, fake_embedder: HashingEmbedder, settings: Settings
) -> None:
    run(fake_store, fake_embedder, settings, folder)
    (folder / "accord.html").write_text("  \n\n", encoding="utf-8")
    summary = run(fake_store, fake_embedder, settings, folder)
    assert summary.emptied == ["accord"] and set(fake_store.documents()) == {"note"}
