"""The ONNX runtime of the bundled model against sentence-transformers on torch: the same numbers."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.embedders import Embedder, bundled_embedder
from ingest.embedders.bundled import SentenceTransformerEmbedder
from ingest.embedders.onnx import OnnxEmbedder
from ingest.embedders.onnx_export import cached_model_file
from ingest.settings import StoreSettings

TEXTS = [
    "Article 605: The Parties shall cooperate on customs procedures and trade facilitation.",
    "What is PGII?",
    "",
    "x",
    "The United States and Kenya announced a partnership on clean energy, critical minerals and "
    "digital trade, with CAD $420 million committed over five years. " * 12,  # past the 256 window
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


def test_the_default_is_onnx(real_embedder: Embedder) -> None:
    assert isinstance(real_embedder, OnnxEmbedder)


def test_vectors_and_token_counts_match_sentence_transformers(
    real_embedder: Embedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    onnx, torch = real_embedder.embed(TEXTS), torch_embedder.embed(TEXTS)
    assert onnx.shape == torch.shape == (len(TEXTS), 384)
    assert (onnx * torch).sum(axis=1).min() > 0.9999
    assert [real_embedder.count_tokens(t) for t in TEXTS] == [torch_embedder.count_tokens(t) for t in TEXTS]
    assert real_embedder.embed([]).shape == (0, 384)


def test_late_chunked_sentence_vectors_match(
    real_embedder: Embedder, torch_embedder: SentenceTransformerEmbedder
) -> None:
    spans = [[(0, len(t) // 3), (len(t) // 3, len(t))] if t else [(0, 0)] for t in TEXTS]
    onnx_passages, onnx_sentences = real_embedder.embed_passages(TEXTS, spans)
    torch_passages, torch_sentences = torch_embedder.embed_passages(TEXTS, spans)
    assert (onnx_passages * torch_passages).sum(axis=1).min() > 0.9999
    for ours, theirs in zip(onnx_sentences, torch_sentences, strict=True):
        assert ours.shape == theirs.shape
        assert (ours * theirs).sum(axis=1).min() > 0.9999


def test_batches_of_mixed_lengths_give_what_single_texts_give(real_embedder: Embedder) -> None:
    together = real_embedder.embed(TEXTS)
    alone = np.vstack([real_embedder.embed([text]) for text in TEXTS])
    assert np.allclose(together, alone, atol=1e-5)


def test_the_export_is_cached_and_reused(real_embedder: Embedder) -> None:
    settings = StoreSettings()
    first = cached_model_file(settings.model_cache)
    stamp = first.stat().st_mtime_ns
    assert cached_model_file(settings.model_cache) == first
    assert first.stat().st_mtime_ns == stamp
    assert not [p for p in settings.model_cache.iterdir() if p.name.startswith(".export-")]


def test_an_unwritable_cache_falls_back_to_torch(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING):
        embedder = bundled_embedder(StoreSettings(model_cache=blocker / "models"))
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "model cache" in caplog.text and "torch instead" in caplog.text


def test_the_onnx_embedder_never_imports_torch(real_embedder: Embedder) -> None:
    """The point of the ONNX runtime: the service process stays free of torch's memory."""
    script = (
        "import sys\n"
        "from ingest.embedders import bundled_embedder\n"
        "from ingest.settings import StoreSettings\n"
        "from service.app import create_app\n"
        "from service.settings import Settings\n"
        "create_app(Settings())\n"
        "bundled_embedder(StoreSettings()).embed(['a question'])\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'sentence_transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
