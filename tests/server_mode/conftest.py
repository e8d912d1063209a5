"""Fixtures for deployments with a Chroma server: several `accords serve` processes, an embeddings server.

The services here embed through the scripted embeddings server (`tests/embeddings_server.py`): no model to
load, so each process starts in a few seconds, and vectors are deterministic, which lets a test prove what
dense retrieval can and cannot find (see test_consistency.py).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.chroma_server import ChromaServer, collection_for, free_port
from tests.embeddings_server import ScriptedEmbeddings
from tests.procs import ACCORDS, accords_env, run_accords
from tests.uvicorn_thread import UvicornThread

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


class Service:
    """`accords serve` in a subprocess on a free port of 127.0.0.1, its output in a log file."""

    def __init__(self, data_dir: Path, log: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("w") as sink:
            self.process = subprocess.Popen(
                [*ACCORDS, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=accords_env(data_dir, **env),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.http = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"accords serve exited:\n{self.output()}"
            try:
                if self.http.get("/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"accords serve not ready after {timeout} s:\n{self.output()}")

    def chat(self, question: str, timeout: float = 30, **fields: Any) -> httpx.Response:
        return self.http.post("/chat", json={"question": question, **fields}, timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@pytest.fixture
def services() -> Iterator[list[Service]]:
    """Started services, stopped at the end of the test: `services.append(Service(...))`."""
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()
