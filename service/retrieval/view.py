"""The service's view of the store: the document catalog and the lexical index, kept current.

Another process (the CLI, another service instance) may ingest at any time. The view re-reads the
store's generation token at most every `refresh_interval` seconds; when it changed, the catalog is
reloaded at once (cheap) and the lexical index rebuilt on a background thread, then swapped in. Until
then the old index keeps answering and its hits are filtered through the new catalog, so a stale hit
never reaches an answer.

The lexical index is also kept on disk (`snapshot.py`): a process starting on a data dir where one ran
before tokenizes only the documents that changed since, and uses the saved BM25 arrays as they are when
nothing did. With 101,589 passages that took start-up from 88 s to 6 s and peak memory from 1.1 GB to
0.79 GB (`bench/query.py --startup-only`).

Requests trigger the refresh, and the service also runs it on a timer (`poll`): otherwise a process that
had no request for a while would answer its next one with the old lexical index (the rebuild only starts
then), and "every process answers from a commit within interval + rebuild seconds" would not hold.
With shared state (ACCORDS_REDIS_URL), a commit by any replica's admin API or by `accords ingest` also
signals every replica (`nudge`), which then refreshes at once: the catalog within milliseconds, the
lexical index once its rebuild ends (within 2 s at the sizes the fleet test uses), whatever the interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from ingest.models import DocumentRecord
from ingest.store import ChunkStore, StoredChunk
from service.retrieval.catalog import Catalog
from service.retrieval.lexical import (
    MAX_UNUSED_SHARE,
    IndexedDocument,
    LexicalIndex,
    Vocabulary,
    compact,
    index_document,
)
from service.retrieval.memory import release_free_memory
from service.retrieval.snapshot import load_snapshot
from service.retrieval.snapshot_writer import SnapshotWriter

log = logging.getLogger(__name__)


# Passages fetched and tokenized together: about one `get` page of the store.
_PASSAGES_PER_FETCH = 2000


def _groups(records: list[DocumentRecord], passages: int) -> Iterator[list[DocumentRecord]]:
    """Consecutive records holding about `passages` chunks together (a bigger document goes alone)."""
    group: list[DocumentRecord] = []
    held = 0
    for record in records:
        if group and held + record.chunks > passages:
            yield group
            group, held = [], 0
        group.append(record)
        held += record.chunks
    if group:
        yield group


class StoreView:
    def __init__(self, store: ChunkStore, refresh_interval: float, snapshot: Path | None = None) -> None:
        """`snapshot`: where the lexical index is kept between runs (`snapshot.py`); None = nowhere."""
        self._store = store
        self._interval = refresh_interval
        self._lock = threading.Lock()
        generation = store.generation()
        self._indexed: dict[str, IndexedDocument] = {}
        self._vocabulary = Vocabulary()
        self._snapshot = SnapshotWriter(snapshot) if snapshot is not None else None
        loaded = load_snapshot(snapshot) if snapshot is not None else None
        self._restored = loaded if loaded is not None and loaded.bm25 is not None else None
        self._saved_generation = loaded.generation if loaded is not None else None
        if loaded is not None:
            self._vocabulary, self._indexed = loaded.vocabulary, loaded.documents
        self._catalog = Catalog.build(generation, store.documents().values())
        self._lexical = self._build_lexical(self._catalog)
        self._checked = time.monotonic()
        self._rebuilding: threading.Thread | None = None
        self._stop = threading.Event()
        self._nudged = threading.Event()
        self._poller: threading.Thread | None = None

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def lexical(self) -> LexicalIndex:
        return self._lexical

    def refresh(self, force: bool = False) -> None:
        """Pick up another writer's changes; cheap when nothing changed (one small read, rate-limited)."""
        now = time.monotonic()
        if not force and now - self._checked < self._interval:
            return
        self._checked = now
        generation = self._store.generation()
        if generation == self._catalog.generation and self._lexical.generation == generation:
            return
        with self._lock:
            if generation != self._catalog.generation:
                self._catalog = Catalog.build(generation, self._store.documents().values())
            # Also when only the index is behind: a rebuild that failed (store down) is retried here.
            if self._lexical.generation != generation and (
                self._rebuilding is None or not self._rebuilding.is_alive()
            ):
                self._rebuilding = threading.Thread(
                    target=self._rebuild_lexical, name="accords-lexical-rebuild", daemon=True
                )
                self._rebuilding.start()

    def _rebuild_lexical(self) -> None:
        while True:
            catalog = self._catalog
            try:
                index = self._build_lexical(catalog)
            except Exception as err:  # the store may be briefly unreachable; the next refresh retries
                log.warning("lexical index rebuild failed, retried on the next refresh: %s", err)
                return
            self._lexical = index
            if self._catalog.generation == catalog.generation:
                return

    def _build_lexical(self, catalog: Catalog) -> LexicalIndex:
        """Reuse the tokenized documents whose version did not change; fetch and tokenize the rest.

        Fetched by id, not by scanning: a scan can skip rows while a writer deletes old versions. Fetched
        a group of documents at a time and tokenized at once: a passage's metadata (its sentence vectors)
        is ~10 times its text, and holding every fetched passage until the end took 1.5 GB at 100k passages.
        """
        cached = self._indexed
        documents: dict[str, IndexedDocument] = {
            doc_id: cached[doc_id]
            for doc_id, record in catalog.documents.items()
            if doc_id in cached
            and cached[doc_id].version == record.version
            and len(cached[doc_id].chunk_ids) == record.chunks
        }
        changed = [r for r in catalog.documents.values() if r.doc_id not in documents]
        # Also when only documents were dropped: a snapshot that still holds them would keep their terms.
        stale = bool(changed) or len(documents) != len(cached)
        for group in _groups(changed, _PASSAGES_PER_FETCH):
            fetched: dict[str, list[StoredChunk]] = defaultdict(list)
            for chunk in self._store.committed_chunks(group):
                fetched[chunk.doc_id].append(chunk)
            for record in group:
                documents[record.doc_id] = index_document(
                    record.version, fetched.get(record.doc_id, []), self._vocabulary
                )
            del fetched
            release_free_memory()
        documents = {doc_id: documents[doc_id] for doc_id in catalog.documents}  # the catalog's order
        # Cache only complete documents: a version whose chunks were being deleted (the catalog was already
        # stale) is fetched again next time rather than kept short.
        self._indexed = {
            doc_id: document
            for doc_id, document in documents.items()
            if len(document.chunk_ids) == catalog.documents[doc_id].chunks
        }
        restored, self._restored = self._restored, None  # a snapshot's index serves the first build only
        if (
            restored is not None
            and not changed
            and restored.generation == catalog.generation
            and list(documents) == list(restored.documents)
        ):
            index = LexicalIndex(documents, catalog.generation, self._vocabulary, restored.bm25)
        else:
            index = LexicalIndex(documents, catalog.generation, self._vocabulary)
        used = index.used_terms()
        if len(used) and 1.0 - float(used.mean()) > MAX_UNUSED_SHARE:  # deleted documents' terms
            self._vocabulary, documents = compact(self._vocabulary, documents, used)
            self._indexed = {doc_id: documents[doc_id] for doc_id in self._indexed}
            index = LexicalIndex(documents, catalog.generation, self._vocabulary)
        if self._snapshot is not None and (stale or catalog.generation != self._saved_generation):
            # The vocabulary's terms in id order, copied here (only a build adds to it); the BM25 index
            # only when it covers exactly the documents saved.
            whole = len(self._indexed) == len(documents)
            self._snapshot.offer(
                list(self._vocabulary.ids),
                dict(self._indexed),
                catalog.generation if whole else None,
                index.bm25 if whole else None,
            )
            self._saved_generation = catalog.generation
        release_free_memory()
        return index

    def poll(self) -> None:
        """Refresh every interval on a background thread too, until `close`."""
        if self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="accords-store-poll", daemon=True)
            self._poller.start()

    def nudge(self) -> None:
        """Another replica committed (the shared store signal, `service.shared.signals`): the poller
        refreshes now rather than at its next tick. Thread-safe and instant; a no-op without `poll`."""
        self._nudged.set()

    def close(self) -> None:
        self._stop.set()
        self._nudged.set()
        if self._poller is not None:
            self._poller.join(timeout=10)
        if self._snapshot is not None:
            self._snapshot.close()

    def _poll(self) -> None:
        while not self._stop.is_set():
            nudged = self._nudged.wait(max(self._interval, 0.05))
            self._nudged.clear()
            if self._stop.is_set():
                return
            try:
                self.refresh(force=nudged)
            except Exception as err:  # the store is down: requests answer 503 and say so
                log.debug("store poll failed: %s", err)

    def catch_up(self, timeout: float = 60.0) -> None:
        """Refresh now and return once the lexical index matches the store: what a writer calls before it
        answers, so a question asked after its reply finds the new passages by their words too. (Without it
        the reply raced the background rebuild: on a busy machine a question asked at once was answered
        from the dense half alone, and an uploaded memo was not always the first source.)"""
        self.refresh(force=True)
        self.wait_for_lexical(timeout)

    def wait_for_lexical(self, timeout: float = 30.0) -> None:
        """Block until the rebuild that is running (it loops until it matches the catalog) has finished."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)
