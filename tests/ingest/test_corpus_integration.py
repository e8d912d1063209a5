"""Ingest over the shared corpus (74 real documents), skipped when ../shared is absent."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pytest

from harness import run_accords, start_accords
from ingest.embedders import Embedder
from ingest.pipeline import Ingestor
from ingest.store import ChunkStore, open_store
from service.settings import Settings
from tests.conftest import IngestedCorpus

pytestmark = [pytest.mark.slow, pytest.mark.corpus]


def consistent(store: ChunkStore) -> dict[str, int]:
    committed = store.documents()
    assert store.orphan_chunk_ids() == []
    counts = {doc: len(ids) for (doc, version), ids in store.chunk_versions().items()}
    assert counts == {doc: record.chunks for doc, record in committed.items()}
    return counts


def test_all_74_documents_are_in_with_their_metadata(ingested_corpus: IngestedCorpus) -> None:
    summary = ingested_corpus.summary
    assert (summary.count("added"), summary.failed, summary.ignored) == (74, 0, 1)  # INDEX.md ignored
    store = open_store(Settings(data_dir=ingested_corpus.data_dir))
    documents = store.documents()
    assert len(documents) == 74 and len(consistent(store)) == 74
    kenya = documents["019-us-kenya-joint-leaders-statement-2024"]
    assert (kenya.date, kenya.kind) == ("2024-05-23", "joint-statement")
    assert kenya.url and kenya.url.startswith("https://www.whitehouse.gov/")
    # Versions of one statement stay separate documents, with different text.
    for original, revised in [
        ("013-us-india-trade-framework-2026-v1", "014-us-india-trade-framework-2026-v3-revised"),
        ("037-mexico-us-migration-communique-2023-v1", "038-mexico-us-migration-communique-2023-v2-revised"),
        ("042-us-uk-atlantic-declaration-2023-v1", "043-us-uk-atlantic-declaration-2023-v3-revised"),
    ]:
        assert documents[original].version != documents[revised].version
    # The same statement at two URLs: two documents.
    assert {
        "048-us-malaysia-agreement-reciprocal-trade-2025",
        "049-us-malaysia-agreement-reciprocal-trade-2025-alt-url",
    } <= set(documents)


def test_every_chunk_is_its_exact_passage_and_fits_the_model(
    ingested_corpus: IngestedCorpus, real_embedder: Embedder
) -> None:
    store = open_store(Settings(data_dir=ingested_corpus.data_dir))
    texts = {doc_id: store.document_text(doc_id) for doc_id in store.documents()}
    for chunk in store.iter_chunks():
        text = texts[chunk.doc_id]
        assert text is not None and text[chunk.start : chunk.end] == chunk.text
        assert all(chunk.text[a:b].strip() for a, b in chunk.sentences)
    nafta = [c for c in store.iter_chunks() if c.doc_id == "056-nafta-chapter-06-energy-1992"]
    assert any(c.heading and c.heading.endswith("ARTICLE 605: Other Export Measures") for c in nafta)


def fork(ingested: IngestedCorpus, tmp_path: Path) -> tuple[Path, Settings]:
    """A private copy of the ingested store and of its folder (documents keep their ids)."""
    folder = tmp_path / "agreements"
    shutil.copytree(ingested.folder, folder)
    settings = Settings(data_dir=tmp_path / "data")
    shutil.copytree(ingested.data_dir, settings.data_dir)
    return folder, settings


def test_edit_delete_and_prune_converge(
    ingested_corpus: IngestedCorpus, real_embedder: Embedder, tmp_path: Path
) -> None:
    folder, settings = fork(ingested_corpus, tmp_path)
    store = open_store(settings, real_embedder)
    moved = Ingestor(store, real_embedder, settings).run([folder])
    assert moved.count("unchanged") == 74 and moved.embeddings == 0

    edited = folder / "005-us-mexico-steel-aluminum-2024.md"
    edited.write_text(edited.read_text().replace("melt and pour", "melt-and-pour (amended)"))
    (folder / "020-us-mongolia-third-neighbor-partnership-2023.md").unlink()
    summary = Ingestor(store, real_embedder, settings).run([folder], prune=True)
    assert (summary.count("updated"), summary.count("unchanged"), summary.pruned) == (
        1,
        72,
        ["020-us-mongolia-third-neighbor-partnership-2023"],
    )
    assert summary.embeddings == store.document("005-us-mexico-steel-aluminum-2024").chunks  # type: ignore[union-attr]
    texts = [c.text for c in store.iter_chunks() if c.doc_id == "005-us-mexico-steel-aluminum-2024"]
    assert any("(amended)" in t for t in texts) and not any("melt and pour," in t for t in texts)
    assert len(consistent(store)) == 73


def test_kill_9_during_a_re_ingest_then_rerun_converges(
    ingested_corpus: IngestedCorpus, tmp_path: Path
) -> None:
    folder, settings = fork(ingested_corpus, tmp_path)
    for path in sorted(folder.glob("0[0-2]*.md")):  # 29 documents change: a few seconds of embedding
        path.write_text(path.read_text() + "\n\nAddendum: reviewed by the editors.")
    process = start_accords(settings.data_dir, "ingest", str(folder), ACCORDS_EMBED_BATCH_SIZE="8")
    time.sleep(14)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    result = run_accords(settings.data_dir, "ingest", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    again = run_accords(settings.data_dir, "ingest", str(folder), "--json")
    assert '"unchanged": 74' in again.stdout and '"embeddings": 0' in again.stdout
    store = open_store(settings)
    assert len(consistent(store)) == 74
    addenda = {c.doc_id for c in store.iter_chunks() if "Addendum: reviewed" in c.text}
    assert len(addenda) == 29
