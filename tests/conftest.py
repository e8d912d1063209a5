"""Shared fixtures: settings in temp dirs, the fake embedder, the shared corpus when present."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.embedder import Embedder
from ingest.pipeline import Ingestor
from ingest.runtime import open_store
from ingest.store import ChunkStore
from ingest.summary import IngestSummary
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


@pytest.fixture(scope="session")
def real_embedder() -> Embedder:
    from ingest.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@dataclass(frozen=True)
class IngestedCorpus:
    folder: Path  # a private copy of the shared corpus
    data_dir: Path
    summary: IngestSummary


@pytest.fixture(scope="session")
def ingested_corpus(
    shared_corpus: Path, real_embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> IngestedCorpus:
    """The 74 shared documents ingested once per test session with the real model (about a minute)."""
    root = tmp_path_factory.mktemp("corpus")
    folder = root / "agreements"
    shutil.copytree(shared_corpus / "agreements", folder)
    settings = Settings(data_dir=root / "data")
    summary = Ingestor(open_store(settings, real_embedder), real_embedder, settings).run([folder])
    return IngestedCorpus(folder=folder, data_dir=settings.data_dir, summary=summary)
