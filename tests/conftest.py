"""Shared fixtures: settings in temp dirs, the fake embedder, the shared corpus when present, and the
store mode: `--store=server` runs the `both_stores` tests (the process-level integration tests) against a
real `chroma run` started here, `--store=embedded` (the default) against the embedded store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import (
    SERVER_MODE_VARIABLE,
    ChromaServer,
    HashingEmbedder,
    PostgresServer,
    close_http_clients,
    postgres_bin,
)
from ingest.embedders import Embedder
from ingest.pipeline import Ingestor
from ingest.settings import StoreSettings
from ingest.store import ChunkStore, open_store
from ingest.summary import IngestSummary
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

# The integration tests that run every command in a subprocess: `.ci/run` runs them a second time with
# `--store=server`. Listed here rather than marked in the files, so their authors need not think of it.
BOTH_STORES = ("tests/ingest/test_cli_integration.py", "tests/service/test_cli_integration.py")
# ... but not those that never open the store, or that name a Chroma server of their own: same either way.
STORE_INDEPENDENT = {
    "test_usage_errors_exit_with_2",
    "test_serve_does_not_start_without_its_chroma_server",
    "test_ask_exits_with_4_when_the_store_is_unreachable",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=("embedded", "server"),
        default="embedded",
        help="store of the subprocess integration tests: embedded, or a `chroma run` started for the session",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_stores: run again against a Chroma server by `--store=server`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        module, _, name = item.nodeid.partition("::")
        if module in BOTH_STORES and name.split("[", 1)[0] not in STORE_INDEPENDENT:
            item.add_marker(pytest.mark.both_stores)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A real Chroma server for the session on a free port of 127.0.0.1; tests use their own collections."""
    root = tmp_path_factory.mktemp("chroma-server")
    server = ChromaServer(root / "db", root / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        close_http_clients()
        server.kill()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (initdb in a temp dir, 127.0.0.1, a free port); each test
    makes its own database (`create_database`). Skipped where Debian's postgresql is not installed, except
    in CI (`.ci/run` installs it), where its absence fails."""
    if postgres_bin() is None and not os.environ.get("CI"):
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def store_mode(request: pytest.FixtureRequest) -> Iterator[str]:
    """With `--store=server`, point every `accords` subprocess (`harness.commands`) at the session server."""
    mode = str(request.config.getoption("--store"))
    if mode != "server":
        yield mode
        return
    server: ChromaServer = request.getfixturevalue("chroma_server")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SERVER_MODE_VARIABLE, server.url)
        yield mode


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
    """The bundled model as the service and the CLI run it by default (onnxruntime)."""
    from ingest.embedders import bundled_embedder
    from ingest.embedders.onnx import OnnxEmbedder

    embedder = bundled_embedder(StoreSettings())
    assert isinstance(embedder, OnnxEmbedder), "the ONNX export failed: see the log"
    return embedder


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
