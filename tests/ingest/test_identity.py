"""The store records which model made its vectors and refuses to mix models, saying what to run."""

from __future__ import annotations

import pytest

from harness import HashingEmbedder
from ingest.store import StoreMismatch, open_store, suggest_collection
from service.settings import Settings


class Named(HashingEmbedder):
    def __init__(self, name: str, dimension: int = 64) -> None:
        super().__init__(dimension)
        self._name = name

    @property
    def model_name(self) -> str:
        return self._name


def test_another_model_is_refused_with_the_command_to_run(settings: Settings) -> None:
    open_store(settings, Named("BAAI/bge-small-en-v1.5", 384))
    with pytest.raises(StoreMismatch) as refused:
        open_store(settings, Named("sentence-transformers/all-MiniLM-L6-v2", 384))  # same dimension
    message = str(refused.value)
    assert "made by BAAI/bge-small-en-v1.5 (dimension 384)" in message
    assert "`ACCORDS_COLLECTION=accords-all-minilm-l6-v2 accords ingest FOLDER`" in message
    open_store(settings, Named("BAAI/bge-small-en-v1.5", 384))  # the store's own model still opens


def test_a_read_only_open_checks_nothing_and_claims_nothing(settings: Settings) -> None:
    open_store(settings).documents()  # `accords docs` on a fresh store
    open_store(settings, Named("hash-64"))  # the first embedder claims it
    assert open_store(settings).documents() == {}
    with pytest.raises(StoreMismatch, match="made by hash-64"):
        open_store(settings, Named("hash-32", 32))


def test_suggested_collection_names_are_valid() -> None:
    assert suggest_collection("accords", "nomic-embed-text:latest") == "accords-nomic-embed-text-latest"
    assert suggest_collection("accords", "Qwen/Qwen3-Embedding-0.6B") == "accords-qwen3-embedding-0.6b"
    long = suggest_collection("a" * 55, "model-name")
    assert len(long) <= 60 and long[-1].isalnum()
    assert suggest_collection("x-m", "m") == "x-m-m"
