"""Fixtures for deployments with a Chroma server: several `accords serve` processes, an embeddings server.

The services here embed through the scripted embeddings server (`harness/embeddings.py`): no model to
load, so each process starts in a few seconds, and vectors are deterministic, which lets a test prove what
dense retrieval can and cannot find (see test_consistency.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import (
    ChromaServer,
    ScriptedEmbeddings,
    ServiceProcess,
    UvicornThread,
    collection_for,
    run_accords,
)

MODEL = "hash-64"


@pytest.fixture(scope="module")
def embeddings() -> Iterator[ScriptedEmbeddings]:
    scripted = ScriptedEmbeddings()
    with UvicornThread(scripted.app) as thread:
        scripted.url = f"{thread.url}/v1"
        yield scripted


def stack_env(
    chroma: ChromaServer, data_dir: Path, embeddings: ScriptedEmbeddings, **extra: str
) -> dict[str, str]:
    """What every process of one deployment shares: the Chroma server, a collection, the embeddings."""
    return {
        "ACCORDS_CHROMA_URL": chroma.url,
        "ACCORDS_COLLECTION": collection_for(data_dir),
        "ACCORDS_EMBEDDINGS_URL": embeddings.url,
        "ACCORDS_EMBEDDINGS_MODEL": MODEL,
        "ACCORDS_RATE_LIMIT_IP": "off",
        **extra,
    }


def ingest(data_dir: Path, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    result = run_accords(data_dir, "ingest", str(folder), "--json", timeout=300, **env)
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.fixture
def services() -> Iterator[list[ServiceProcess]]:
    """Started services, stopped at the end of the test: `services.append(ServiceProcess(...))`."""
    started: list[ServiceProcess] = []
    yield started
    for service in started:
        service.stop()
