"""Where the lexical snapshot is kept, and the thread that writes it (`snapshot.py` says what it holds).

Writing is off the request path and rate-limited: a rebuild after each upload or each commit of another
process's ingest offers a new snapshot, and writing ~100 MB (at 100,000 passages) for every one of them
would be waste; the next start-up only needs a recent one (it tokenizes what changed since).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

from ingest.settings import StoreSettings
from service.retrieval.bm25 import Bm25
from service.retrieval.lexical import IndexedDocument
from service.retrieval.snapshot import save_snapshot

log = logging.getLogger(__name__)


def snapshot_path(settings: StoreSettings) -> Path:
    """`<data dir>/lexical/<collection>[-<server hash>].snapshot`: one per store the data dir serves."""
    name = settings.collection
    if settings.chroma_url:
        name += "-" + hashlib.sha256(settings.chroma_url.encode()).hexdigest()[:8]
    return settings.data_dir / "lexical" / f"{name}.snapshot"


class SnapshotWriter:
    """Writes the latest snapshot offered, on a thread of its own, at most one every `interval` seconds;
    `close` writes what is still pending."""

    def __init__(self, path: Path, interval: float = 30.0) -> None:
        self.path = path
        self._interval = interval
        self._lock = threading.Lock()
        self._latest: tuple[list[str], dict[str, IndexedDocument], str | None, Bm25 | None] | None = None
        self._thread: threading.Thread | None = None
        self._hurry = threading.Event()
        self._written = -float("inf")

    def offer(
        self,
        terms: list[str],
        documents: dict[str, IndexedDocument],
        generation: str | None = None,
        bm25: Bm25 | None = None,
    ) -> None:
        """The vocabulary's terms in id order, the documents, and the BM25 index computed over exactly
        these documents at `generation` (None: the documents only). Keeps only the latest offer."""
        with self._lock:
            self._latest = (terms, documents, generation, bm25)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="accords-lexical-snapshot", daemon=True
                )
                self._thread.start()

    def close(self, timeout: float = 30.0) -> None:
        self._hurry.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            self._hurry.wait(max(0.0, self._written + self._interval - time.monotonic()))
            with self._lock:
                latest, self._latest = self._latest, None
                if latest is None:
                    self._thread = None
                    return
            try:
                save_snapshot(self.path, *latest)
            except OSError as err:  # a read-only or full disk: the next start-up builds the index again
                log.warning("lexical snapshot %s not written: %s", self.path, err)
            self._written = time.monotonic()
