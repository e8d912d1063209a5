"""Shared fixtures: settings in temp dirs, the fake embedder, the shared corpus when present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingest.runtime import open_store
from ingest.store import ChunkStore
from service.settings import Settings
from tests.fakes import HashingEmbedder

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def fake_store(settings: Settings, fake_embedder: HashingEmbedder) -> ChunkStore:
    return open_store(settings, fake_embedder)


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not (SHARED_CORPUS / "agreements").is_dir():
        pytest.skip("../shared/corpus is not present")
    return SHARED_CORPUS
