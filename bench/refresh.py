"""What a commit costs each service process: the catalog reload and the lexical index rebuild.

    .venv/bin/python -m bench.refresh [--passages 1000 5000 10000] [--embedded]

Every process re-reads the store's generation at most every ACCORDS_REFRESH_INTERVAL_S (1 s); when it
changed, it reloads the document catalog (answers switch to the new version at once) and rebuilds the
BM25 index from the committed passages on a background thread. So after a commit, every process answers
from the new version within interval + rebuild: this measures the rebuild (and the catalog reload) for
synthetic stores of the given sizes, like the real ones (MiniLM's 384 dimensions, ~150-word passages,
five sentence vectors each, 20 passages a document), on a `chroma run` started here on 127.0.0.1 (or
the embedded store with --embedded). Not a test: prints one line per size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from harness import ChromaServer, HashingEmbedder, close_http_clients
from ingest.models import Chunk, DocumentRecord
from ingest.store import ChunkStore, open_store
from service.retrieval.view import StoreView
from service.settings import Settings

WORDS = "parties agree cooperate ports customs energy grids fisheries quota tonnes committee review".split()
PER_DOCUMENT, SENTENCES, DIMENSION = 20, 5, 384


class Minilm(HashingEmbedder):
    """Only the store's record of the model: vectors here are random, what is timed is moving them."""

    @property
    def model_name(self) -> str:
        return "bench/384"


def fill(store: ChunkStore, passages: int) -> None:
    rng = np.random.default_rng(7)
    for first in range(0, passages, PER_DOCUMENT * 10):
        batch: list[tuple[DocumentRecord, Chunk]] = []
        records = []
        for doc in range(first // PER_DOCUMENT, min(first + PER_DOCUMENT * 10, passages) // PER_DOCUMENT):
            record = DocumentRecord(
                f"doc-{doc:05d}", f"{doc:064x}", f"Accord {doc}", "2024-05-02", "agreement-text", None, (),
                PER_DOCUMENT, f"/corpus/doc-{doc}.md", "markdown", {}, "2024-05-02T00:00:00+00:00",
            )  # fmt: skip
            records.append((record, "text"))
            for seq in range(PER_DOCUMENT):
                words = rng.choice(WORDS, 150)
                text = (
                    " ".join(words[:30])
                    + ". "
                    + ". ".join(" ".join(words[i : i + 30]) for i in range(30, 150, 30))
                )
                spans = tuple((i * 31, i * 31 + 30) for i in range(SENTENCES))
                batch.append((record, Chunk(seq, text, 0, len(text), "Article 1", None, text, spans)))
        vectors = rng.standard_normal((len(batch), DIMENSION)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        sentence_vectors = [rng.standard_normal((SENTENCES, DIMENSION)).astype(np.float32) for _ in batch]
        store.write_chunks(batch, vectors, sentence_vectors)
        store.commit(records)


def measure(settings: Settings, passages: int) -> None:
    store = open_store(settings, Minilm(DIMENSION))
    fill(store, passages)
    began = time.monotonic()
    view = StoreView(store, refresh_interval=1.0)  # catalog + lexical index, as at start-up
    startup = time.monotonic() - began
    store.commit([(next(iter(store.documents().values())), "text")])  # a commit: a new generation
    began = time.monotonic()
    view.refresh(force=True)  # what a process does on seeing the new generation
    catalog = time.monotonic() - began
    view.wait_for_lexical(timeout=600)
    rebuild = time.monotonic() - began
    print(  # noqa: T201
        f"{passages:6d} passages: catalog reload {catalog:.3f} s, lexical rebuild {rebuild:.2f} s "
        f"(start-up {startup:.2f} s) -> new version in every process within {1.0 + rebuild:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--passages", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--embedded", action="store_true", help="the embedded store instead of a server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = None if args.embedded else ChromaServer(Path(tmp) / "chroma", Path(tmp) / "chroma.log")
        if server is not None:
            server.start()
        try:
            for size in args.passages:
                url = server.url if server else None
                collection = f"bench-{size}"
                measure(Settings(data_dir=Path(tmp) / "data", chroma_url=url, collection=collection), size)
        finally:
            close_http_clients()
            if server is not None:
                server.kill()


if __name__ == "__main__":
    main()
