"""Ingest benchmark: the pipeline's throughput against the bare encoder on the same texts, same run.

    .venv/bin/python -m bench.ingest [CORPUS_DIR]

Prints documents, chunks, seconds and chunks/s of a first ingest into a temp dir; the raw throughput of
the same model encoding exactly the chunk texts the pipeline embedded (the baseline); their ratio
(goal >= 0.90: the pipeline around the model costs < 10%); a re-ingest of the unchanged folder (goal:
re-ingest / first <= 0.02, 0 embeddings).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from ingest.chunking import embed_prefix
from ingest.embedders import Embedder, bundled_embedder
from ingest.pipeline import Ingestor
from ingest.settings import StoreSettings
from ingest.store import open_store

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "agreements"


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}")
        raise SystemExit(2)
    with tempfile.TemporaryDirectory() as tmp:
        settings = StoreSettings(data_dir=Path(tmp))  # ACCORDS_ENCODER=torch compares the torch runtime
        embedder = bundled_embedder(settings)
        embedder.embed(["warm-up"])  # load lazily-initialised kernels outside the timings
        store = open_store(settings, embedder)
        first = Ingestor(store, embedder, settings).run([corpus])
        # The exact strings the pipeline embedded: title/heading prefix + passage.
        embed_texts = [f"{embed_prefix(c.title, c.heading)}\n{c.text}" for c in store.iter_chunks()]
        raw_seconds = _raw_encode_seconds(embedder, embed_texts)
        again = Ingestor(store, embedder, settings).run([corpus])
    pipeline_rate = first.chunks_written / first.seconds
    raw_rate = len(embed_texts) / raw_seconds
    report = {
        "encoder": type(embedder).__name__,
        "documents": first.count("added"),
        "chunks": first.chunks_written,
        "seconds": round(first.seconds, 2),
        "chunks_per_s": round(pipeline_rate, 2),
        "raw_encoder_chunks_per_s": round(raw_rate, 2),
        "ratio_pipeline_to_raw": round(pipeline_rate / raw_rate, 3),
        "reingest_seconds": round(again.seconds, 3),
        "reingest_over_first": round(again.seconds / first.seconds, 4),
        "reingest_embeddings": again.embeddings,
    }
    print(json.dumps(report, indent=2))


def _raw_encode_seconds(embedder: Embedder, texts: list[str]) -> float:
    """The bare model on the same texts in one call (its best case: sorted by length across all of
    them); best of two runs, because this machine's speed drifts by +-10% from minute to minute."""
    timings = []
    for _ in range(2):
        began = time.perf_counter()
        embedder.embed(texts)
        timings.append(time.perf_counter() - began)
    return min(timings)


if __name__ == "__main__":
    main()
