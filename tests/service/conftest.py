"""Fixtures for the chat service tests.

Fast tests share one store: the bundled `samples/` plus one undated document in a subfolder, ingested once
per session with the fake embedder. Each client is a FastAPI `TestClient` entered as a context manager (so
the lifespan opens the runtime) whose every /chat answer is checked by `checks.check_chat_response`.

Slow tests (`pytest.mark.slow`) ingest the samples with the real model through `accords ingest` and talk to
a real `accords serve` on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from harness import HashingEmbedder, ServiceProcess, accords_env, run_accords, serve
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.app import create_app
from service.settings import Settings
from tests.conftest import SAMPLES
from tests.service.checks import verify_chat_responses

# An undated document of its own kind, in a subfolder (its id contains "/").
UNDATED_ID = "notes/lighthouse-memo"
UNDATED_MEMO = """---
title: Memorandum on the Upkeep of Coastal Lighthouses
kind: memo
parties: [Republic of Aldermere, Kingdom of Tessaly]
---

# Memorandum on the Upkeep of Coastal Lighthouses

The two coast guards will jointly maintain seventeen lighthouses along the Tessaly Strait.
Every lighthouse keeper will receive training in foghorn repair at the Lantern Academy.
"""
SAMPLE_IDS = {
    "aldermere-coastal-resilience-fact-sheet",
    "aldermere-korvath-joint-statement-v1",
    "aldermere-korvath-joint-statement-v2-revised",
    "aldermere-tessaly-fisheries-mou",
    "korvath-sarn-digital-trade-statement",
    "northwater-basin-treaty",
    "sarn-korvath-clean-energy-plan",
}
# Every environment variable the service reads, cleared so a developer's shell cannot change the tests
# (or make them reach a network LLM).
_QUIET = {"rate_limit_ip": "off"}


def service_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings from nothing but the arguments: no ACCORDS_* variable, no .env file, no rate limit."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.upper().startswith("ACCORDS_")]:
            patch.delenv(name)
        return Settings(data_dir=data_dir, _env_file=None, **{**_QUIET, **overrides})  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def fake() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory, fake: HashingEmbedder) -> Path:
    """A data dir holding the 7 samples and the undated memo, ingested once with the fake embedder."""
    root = tmp_path_factory.mktemp("service-samples")
    extra = root / "extra"
    (extra / "notes").mkdir(parents=True)
    (extra / "notes" / "lighthouse-memo.md").write_text(UNDATED_MEMO, encoding="utf-8")
    settings = service_settings(root / "data")
    summary = Ingestor(open_store(settings, fake), fake, settings).run([SAMPLES, extra])
    assert (summary.count("added"), summary.failed) == (8, 0), summary
    return settings.data_dir


@pytest.fixture
def make_client(sample_data: Path, fake: HashingEmbedder) -> Iterator[Callable[..., TestClient]]:
    """A fresh app over the sample store (settings overridable); closed at the end of the test."""
    clients: list[TestClient] = []

    def make(data_dir: Path | None = None, **overrides: Any) -> TestClient:
        app = create_app(service_settings(data_dir or sample_data, **overrides), embedder=fake)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return verify_chat_responses(client)

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture(scope="session")
def client(sample_data: Path, fake: HashingEmbedder) -> Iterator[TestClient]:
    """One app for the tests that change nothing (its conversations are per-test anyway)."""
    app = create_app(service_settings(sample_data), embedder=fake)
    with TestClient(app) as test_client:
        yield verify_chat_responses(test_client)


# ---------------------------------------------------------------------------- real model, real server


@pytest.fixture(scope="session")
def real_sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples ingested with the bundled model by the real command (`accords ingest samples`)."""
    data = tmp_path_factory.mktemp("real-samples") / "data"
    result = run_accords(data, "ingest", str(SAMPLES), "--json")
    assert result.returncode == 0, result.stderr
    return data


@pytest.fixture(scope="session")
def real_server(real_sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """`accords serve` over the real-model sample store, on a free port of 127.0.0.1."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serve(log, accords_env(real_sample_data, ACCORDS_RATE_LIMIT_IP="off")) as server:
        yield server


@pytest.fixture
def http(real_server: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=real_server.url, timeout=60, trust_env=False) as http_client:
        yield verify_chat_responses(http_client)
