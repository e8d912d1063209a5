"""The service's view of the store: the document catalog and the lexical index, kept current.

Another process (the CLI, another service instance) may ingest at any time. The view re-reads the
store's generation token at most every `refresh_interval` seconds; when it changed, the catalog is
reloaded at once (cheap) and the lexical index rebuilt on a background thread, then swapped in. Until
then the old index keeps answering and its hits are filtered through the new catalog, so a stale hit
never reaches an answer.
"""

from __future__ import annotations

import logging
import threading
import time

from ingest.store import ChunkStore
from service.retrieval.catalog import Catalog
from service.retrieval.lexical import LexicalIndex

log = logging.getLogger(__name__)


class StoreView:
    def __init__(self, store: ChunkStore, refresh_interval: float) -> None:
        self._store = store
        self._interval = refresh_interval
        self._lock = threading.Lock()
        generation = store.generation()
        self._catalog = Catalog.build(generation, store.documents().values())
        self._lexical = self._build_lexical(self._catalog)
        self._checked = time.monotonic()
        self._rebuilding: threading.Thread | None = None

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
        if generation == self._catalog.generation:
            return
        with self._lock:
            if generation == self._catalog.generation:
                return
            self._catalog = Catalog.build(generation, self._store.documents().values())
            if self._rebuilding is None or not self._rebuilding.is_alive():
                self._rebuilding = threading.Thread(
                    target=self._rebuild_lexical, name="accords-lexical-rebuild", daemon=True
                )
                self._rebuilding.start()

    def _rebuild_lexical(self) -> None:
        while True:
            catalog = self._catalog
            try:
                index = self._build_lexical(catalog)
            except Exception:  # the store may be briefly unreachable; the next refresh retries
                log.exception("lexical index rebuild failed")
                return
            self._lexical = index
            if self._catalog.generation == catalog.generation:
                return

    def _build_lexical(self, catalog: Catalog) -> LexicalIndex:
        committed = (c for c in self._store.iter_chunks() if catalog.committed(c.doc_id, c.version))
        return LexicalIndex(committed, catalog.generation)

    def wait_for_lexical(self, timeout: float = 30.0) -> None:
        """Tests and the admin API: block until the lexical index matches the catalog."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)
