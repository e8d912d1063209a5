"""One ingest run: make the store hold exactly what the given files and folders hold.

Unchanged documents cost one hash and no write. Changed ones are chunked, embedded in batches that
span documents (the model is the bottleneck and likes full batches), written, committed and their old
versions dropped, in the order `store.py` explains. Chunks already written for the same version by an
interrupted run are reused rather than embedded again.
A file that fails to load (unparseable, over a budget, no text found) leaves its stored document as it
was, even with --prune: a hostile or damaged new version must not cost the good old one. Only a file
known to be empty (`EmptyDocument`: zero bytes, or whitespace once decoded) removes it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ingest.chunking import CHUNKER_VERSION, Chunker, ChunkingConfig
from ingest.discovery import Candidate, Discovery, discover
from ingest.embedders import Embedder, Vectors
from ingest.loaders import EmptyDocument, LoadError, load_document
from ingest.models import Chunk, DocumentRecord
from ingest.records import apply_overrides, build_record
from ingest.settings import StoreSettings
from ingest.store import ChunkStore, chunk_id
from ingest.summary import FileOutcome, IngestSummary

# Documents loaded and chunked ahead of the model, on another thread (the model releases the GIL).
_PLAN_AHEAD = 64
# Chunks embedded per model call, in model batches: the model sorts each call's texts by length, so
# bigger calls pad less; smaller ones commit documents sooner.
_BATCHES_PER_CALL = 8


class ProgressSink(Protocol):
    def start(self, documents: int) -> None: ...

    def advance(self, documents: int, chunks: int) -> None: ...


class _NoProgress:
    def start(self, documents: int) -> None:
        pass

    def advance(self, documents: int, chunks: int) -> None:
        pass


@dataclass(slots=True)
class _Pending:
    outcome: FileOutcome
    record: DocumentRecord
    text: str
    missing: list[Chunk]
    stale_ids: list[str]


class Ingestor:
    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        settings: StoreSettings,
        progress: ProgressSink | None = None,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._settings = settings
        self._progress = progress or _NoProgress()
        self._chunker = Chunker(
            embedder.count_tokens, ChunkingConfig(settings.chunk_max_tokens, embedder.max_tokens)
        )
        self._pipeline: dict[str, str | int] = {
            "chunker": CHUNKER_VERSION,
            "max_tokens": settings.chunk_max_tokens,
            "model": embedder.model_name,
        }

    def run(self, paths: Sequence[Path], prune: bool = False, excludes: Sequence[str] = ()) -> IngestSummary:
        began = time.monotonic()
        found = discover(paths, (*self._settings.ingest_excludes, *excludes))
        return self.ingest(found, prune, began)

    def ingest(self, found: Discovery, prune: bool = False, began: float | None = None) -> IngestSummary:
        """Ingest candidates found by `discover` or handed in directly (the admin API's uploads)."""
        began = time.monotonic() if began is None else began
        summary = IngestSummary(ignored=found.ignored)
        summary.outcomes.extend(FileOutcome(str(p), "skipped", reason=why) for p, why in found.skipped)
        committed = self._store.documents()
        inventory = self._store.chunk_versions()
        versions = _versions_by_document(inventory)
        self._progress.start(len(found.candidates))
        seen: dict[str, str] = {}
        kept: set[str] = set()  # stored documents whose file failed to load this run
        batch: list[_Pending] = []
        # Store writes go to one background thread so they overlap the next batch's embedding (they
        # wait on disk more than on the CPU); one write in flight at a time keeps them in order.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="accords-writer") as writer:
            in_flight: Future[None] | None = None
            planned = self._plan(found.candidates, committed, versions, seen, kept, summary)
            for pending in _read_ahead(planned, _PLAN_AHEAD):
                batch.append(pending)
                if sum(len(p.missing) for p in batch) >= self._settings.embed_batch_size * _BATCHES_PER_CALL:
                    in_flight = self._embed_and_hand_over(batch, summary, writer, in_flight)
                    batch = []
            in_flight = self._embed_and_hand_over(batch, summary, writer, in_flight)
            if in_flight is not None:
                in_flight.result()
        if prune:
            self._prune(found.roots, committed, {*seen, *kept}, summary)
        summary.orphans_removed = self._collect_garbage(inventory, committed)
        summary.seconds = time.monotonic() - began
        return summary

    def _plan(
        self,
        candidates: list[Candidate],
        committed: dict[str, DocumentRecord],
        versions: dict[str, dict[str, set[str]]],
        seen: dict[str, str],
        kept: set[str],
        summary: IngestSummary,
    ) -> Iterator[_Pending]:
        for candidate in candidates:
            outcome = FileOutcome(candidate.source or str(candidate.path), "failed")
            summary.outcomes.append(outcome)
            try:
                loaded = apply_overrides(load_document(candidate.path), candidate.overrides)
                record = build_record(candidate, loaded, self._pipeline)
            except LoadError as err:
                outcome.reason = str(err)
                if isinstance(err, EmptyDocument):
                    self._drop_emptied(candidate.path_id, committed, summary, outcome)
                else:
                    self._keep_stored(candidate, committed, kept, outcome)
                self._progress.advance(1, 0)
                continue
            outcome.doc_id = record.doc_id
            outcome.warnings = list(loaded.warnings)
            if record.doc_id in seen:
                outcome.reason = f"duplicate document id {record.doc_id!r} (also from {seen[record.doc_id]})"
                self._progress.advance(1, 0)
                continue
            seen[record.doc_id] = str(candidate.path)
            existing = committed.get(record.doc_id)
            stored_versions = versions.get(record.doc_id, {})
            if existing and existing.version == record.version:
                stored = stored_versions.get(record.version, set())
                if len(stored) == existing.chunks:
                    outcome.status, outcome.chunks = "unchanged", existing.chunks
                    if existing.source_path != record.source_path:  # moved, not edited
                        self._store.commit([(replace(existing, source_path=record.source_path), loaded.text)])
                    self._progress.advance(1, 0)
                    continue
            chunks = self._chunker.chunk(loaded, record.title)
            if not chunks:
                outcome.reason = "no passages: the document has no body text"
                self._drop_emptied(record.doc_id, committed, summary, outcome)
                self._progress.advance(1, 0)
                continue
            record = replace(record, chunks=len(chunks))
            stored = stored_versions.get(record.version, set())
            outcome.status = "updated" if existing else "added"
            outcome.chunks = len(chunks)
            yield _Pending(
                outcome=outcome,
                record=record,
                text=loaded.text,
                missing=[c for c in chunks if chunk_id(record.doc_id, record.version, c.seq) not in stored],
                stale_ids=[
                    cid
                    for version, ids in stored_versions.items()
                    if version != record.version
                    for cid in ids
                ],
            )

    def _embed_and_hand_over(
        self,
        batch: list[_Pending],
        summary: IngestSummary,
        writer: ThreadPoolExecutor,
        previous: Future[None] | None,
    ) -> Future[None] | None:
        """Embed the batch's missing chunks in one model call, then queue its writes behind the last."""
        if not batch:
            return previous
        missing = [(pending.record, chunk) for pending in batch for chunk in pending.missing]
        vectors, sentence_vectors = (
            self._embedder.embed_passages(
                [chunk.embed_text for _, chunk in missing],
                [[(c.text_offset + a, c.text_offset + b) for a, b in c.sentences] for _, c in missing],
            )
            if missing
            else (None, [])
        )
        if previous is not None:
            previous.result()  # re-raises a failed write here, in the caller's thread
        summary.embeddings += len(missing)
        summary.chunks_written += len(missing)
        return writer.submit(self._write, batch, missing, vectors, sentence_vectors)

    def _write(
        self,
        batch: list[_Pending],
        missing: list[tuple[DocumentRecord, Chunk]],
        vectors: Vectors | None,
        sentence_vectors: list[Vectors],
    ) -> None:
        """Chunks first, then the commit that makes them visible, then the old versions go."""
        if missing and vectors is not None:
            self._store.write_chunks(missing, vectors, sentence_vectors)
        self._store.commit([(pending.record, pending.text) for pending in batch])
        self._store.delete_chunks([cid for pending in batch for cid in pending.stale_ids])
        self._progress.advance(len(batch), len(missing))

    def _drop_emptied(
        self, doc_id: str, committed: dict[str, DocumentRecord], summary: IngestSummary, outcome: FileOutcome
    ) -> None:
        if doc_id in committed:
            self._store.forget_document(doc_id)
            summary.emptied.append(doc_id)
            outcome.doc_id = doc_id
            outcome.reason = f"{outcome.reason}; removed from the store"

    @staticmethod
    def _keep_stored(
        candidate: Candidate, committed: dict[str, DocumentRecord], kept: set[str], outcome: FileOutcome
    ) -> None:
        """Say so when a file that failed to load has a stored version, and keep that from --prune."""
        source = candidate.source or str(candidate.path.resolve())
        ids = [
            doc_id
            for doc_id, rec in committed.items()
            if rec.source_path == source or doc_id == candidate.path_id
        ]
        if ids:
            kept.update(ids)
            outcome.doc_id = ids[0]
            outcome.reason = f"{outcome.reason}; the stored version is kept"

    def _prune(
        self,
        roots: list[Path],
        committed: dict[str, DocumentRecord],
        present: set[str],
        summary: IngestSummary,
    ) -> None:
        for doc_id, record in committed.items():
            if doc_id in present or doc_id in summary.emptied:
                continue
            if any(Path(record.source_path).is_relative_to(root) for root in roots):
                self._store.forget_document(doc_id)
                summary.pruned.append(doc_id)

    def _collect_garbage(
        self, inventory: dict[tuple[str, str], set[str]], before: dict[str, DocumentRecord]
    ) -> int:
        """Delete chunks from before this run that no committed version claims (crash leftovers).

        A version committed when the run began was not an orphan: if it is gone now, an update or a
        deletion of this run removed it, and it is not counted."""
        claimed = {(doc_id, record.version) for doc_id, record in self._store.documents().items()}
        claimed |= {(doc_id, record.version) for doc_id, record in before.items()}
        orphans = [cid for key, ids in inventory.items() if key not in claimed for cid in ids]
        self._store.delete_chunks(orphans)
        return len(orphans)


def _versions_by_document(inventory: dict[tuple[str, str], set[str]]) -> dict[str, dict[str, set[str]]]:
    versions: dict[str, dict[str, set[str]]] = {}
    for (doc_id, version), ids in inventory.items():
        versions.setdefault(doc_id, {})[version] = ids
    return versions


_DONE = object()


def _read_ahead(items: Iterator[_Pending], size: int) -> Iterator[_Pending]:
    """Run `items` on a helper thread, `size` ahead of the consumer, re-raising its errors here.

    Loading and chunking then overlap embedding instead of adding to it; the standard library has no
    bounded prefetching iterator, hence these few lines.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=size)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            buffer.put(error)

    thread = threading.Thread(target=produce, name="accords-planner", daemon=True)
    thread.start()
    try:
        while (item := buffer.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue, then let it finish
            with contextlib.suppress(queue.Empty):
                buffer.get_nowait()
            thread.join(timeout=0.05)
