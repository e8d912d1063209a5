"""The real command, model and store: what a user sees, including kill -9 halfway and a second writer."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness import run_accords, start_accords, store_settings
from ingest.store import ChunkStore, open_client, open_store
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow


def store_state(data_dir: Path) -> dict[str, object]:
    """Everything a reader could observe, minus timestamps and file paths."""
    store = open_store(store_settings(data_dir))
    documents = {doc_id: (r.version, r.chunks, r.title, r.date) for doc_id, r in store.documents().items()}
    chunks = sorted((c.chunk_id, c.text, c.start, c.end) for c in store.iter_chunks())
    return {"documents": documents, "chunks": chunks, "orphans": store.orphan_chunk_ids()}


def test_ingest_samples_then_list_them(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_accords(data, "ingest", str(SAMPLES), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] == 7 and summary["failed"] == 0 and summary["chunks"] > 7
    listing = run_accords(data, "docs", "--json")
    docs = {d["id"]: d for d in json.loads(listing.stdout)}
    assert docs["sarn-korvath-clean-energy-plan"]["format"] == "pdf"
    assert docs["aldermere-korvath-joint-statement-v1"]["date"] == "2024-03-14"
    assert all(d["chunks"] > 0 and len(d["content_hash"]) == 64 for d in docs.values())
    again = json.loads(run_accords(data, "ingest", str(SAMPLES), "--json").stdout)
    assert (again["unchanged"], again["embeddings"]) == (7, 0)
    human = run_accords(data, "docs")
    assert "7 documents" in human.stdout


def test_failures_are_listed_and_set_the_exit_code(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES, folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>\ntruncated")
    (folder / "empty.md").write_text("")
    result = run_accords(tmp_path / "data", "ingest", str(folder))
    assert result.returncode == 1
    assert "broken.pdf" in result.stdout and "empty.md" in result.stdout
    assert "added 7" in result.stdout


def test_usage_errors_exit_with_2(tmp_path: Path) -> None:
    assert run_accords(tmp_path / "data", "ingest", str(tmp_path / "missing")).returncode == 2
    assert run_accords(tmp_path / "data", "ingest").returncode == 2
    assert run_accords(tmp_path / "data", "ingest", "--bogus-flag", str(SAMPLES)).returncode == 2


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = start_accords(data, "ingest", str(SAMPLES))
    try:
        pid_file = data / "ingest.pid"
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text().strip() == str(first.pid)):
            assert time.monotonic() < deadline and first.poll() is None, "first ingest never took the lock"
            time.sleep(0.05)
        second = run_accords(data, "ingest", str(SAMPLES))
        assert second.returncode == 3
        assert "another ingest is writing" in second.stderr and str(first.pid) in second.stderr
    finally:
        first.communicate(timeout=300)
    assert first.returncode == 0
    assert store_state(data)["orphans"] == []


def synthetic_corpus(folder: Path, documents: int = 24) -> None:
    """Enough text for the model to take several seconds, so kills land during writes."""
    folder.mkdir(parents=True)
    for n in range(documents):
        paragraphs = [
            f"Section {k}\n\nThe Parties of accord {n} agree, in paragraph {k}, to cooperate on ports, "
            f"customs, energy grids and fisheries; they will report to the joint committee every {k + n} "
            f"months and review the quota of {100 + n * k} tonnes. The committee shall publish its findings."
            for k in range(1, 9)
        ]
        (folder / f"accord-{n:02d}.md").write_text(f"# Accord {n}\n\n" + "\n\n".join(paragraphs))


def wait_for_some_commits(data_dir: Path, process: subprocess.Popen[str], documents: int) -> None:
    """Return once some but not all documents are committed (or the run ended); never creates the
    store's collections itself, which would race the writer creating them."""
    settings = store_settings(data_dir)
    names = {settings.collection, f"{settings.collection}-docs", f"{settings.collection}-state"}
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if (data_dir / "ingest.pid").exists():
            client = open_client(settings)
            if names <= {collection.name for collection in client.list_collections()}:
                committed = len(ChunkStore(client, settings.collection, None).documents())
                if 0 < committed < documents:
                    return
        time.sleep(0.02)


def test_kill_9_at_any_moment_then_rerun_equals_a_clean_ingest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    synthetic_corpus(corpus)
    clean_dir = tmp_path / "clean"
    began = time.monotonic()
    assert run_accords(clean_dir, "ingest", str(corpus)).returncode == 0
    duration = time.monotonic() - began
    clean = store_state(clean_dir)

    crashed = tmp_path / "crashed"
    small_batches = {"ACCORDS_EMBED_BATCH_SIZE": "4"}  # many commits per run: more moments to die in
    interrupted_states = 0
    for fraction in (None, 0.35, 0.55, 0.75, 0.9):
        # Each round edits a document first, so reruns also cross version changes.
        victim = corpus / f"accord-{int((fraction or 0.25) * 20):02d}.md"
        victim.write_text(victim.read_text() + f"\n\nAmended in round {fraction}.")
        process = start_accords(crashed, "ingest", str(corpus), **small_batches)
        if fraction is None:  # the first round dies between two commits, however fast the machine
            wait_for_some_commits(crashed, process, documents=24)
        else:
            time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        state = store_state(crashed)
        if state["orphans"] or 0 < len(state["documents"]) < 24:  # type: ignore[arg-type]
            interrupted_states += 1
    assert interrupted_states >= 1, "no kill landed during writes; the test did not test anything"

    assert run_accords(crashed, "ingest", str(corpus)).returncode == 0
    assert run_accords(clean_dir, "ingest", str(corpus)).returncode == 0  # clean store sees the edits too
    assert store_state(crashed) == store_state(clean_dir) != clean
    assert store_state(crashed)["orphans"] == []
