"""`ACCORDS_EMBEDDINGS_URL` end to end: `accords ingest` and `accords serve` embedding through a scripted
OpenAI-compatible server, and the refusal (with the command to run) when the configured model changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from harness import ScriptedEmbeddings, ServiceProcess, accords_env, run_accords
from ingest.embedders.remote import RemoteEmbedder
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.app import create_app
from tests.conftest import SAMPLES
from tests.server_mode.conftest import MODEL
from tests.service.conftest import service_settings

pytestmark = pytest.mark.slow


def test_ingest_and_answers_through_an_embeddings_server_and_no_mixing_of_models(
    embeddings: ScriptedEmbeddings, services: list[ServiceProcess], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {
        "ACCORDS_EMBEDDINGS_URL": embeddings.url,
        "ACCORDS_EMBEDDINGS_MODEL": MODEL,
        "ACCORDS_EMBEDDINGS_MAX_TOKENS": "256",
    }
    embeddings.calls.clear()
    result = run_accords(data, "ingest", str(SAMPLES), "--json", **env)
    assert result.returncode == 0, result.stderr
    assert (json.loads(result.stdout)["added"], json.loads(result.stdout)["failed"]) == (7, 0)
    assert len(embeddings.calls) > 3 and all(len(call.inputs) <= 32 for call in embeddings.calls)
    assert 0 < embeddings.longest_input() <= 256
    listing = run_accords(data, "docs", "--json", **env)
    assert len(json.loads(listing.stdout)) == 7

    service = ServiceProcess(tmp_path / "serve.log", accords_env(data, **env))
    services.append(service)
    service.wait_ready()
    body = service.chat("What is the minimum flow at the Keld gauging station?").json()
    assert body["found"] and "42 cubic metres per second" in body["answer"], body
    assert body["sources"][0]["document_id"] == "northwater-basin-treaty"
    service.stop()

    other = {**env, "ACCORDS_EMBEDDINGS_MODEL": "hash-32"}
    refused = run_accords(data, "ingest", str(SAMPLES), **other)
    assert refused.returncode == 4 and "Traceback" not in refused.stderr
    message = " ".join(refused.stderr.split())
    assert "vectors made by hash-64 (dimension 64), but hash-32 (dimension 32) is configured" in message
    command = re.search(r"`ACCORDS_COLLECTION=(\S+-hash-32) accords ingest FOLDER`", message)
    assert command, message
    bundled = run_accords(data, "ingest", str(SAMPLES))  # back to the in-process model: refused as well
    assert bundled.returncode == 4 and "all-minilm-l6-v2 accords ingest" in " ".join(bundled.stderr.split())
    asked = run_accords(data, "ask", "What is the minimum flow?", **other)
    assert asked.returncode == 4 and "made by hash-64" in " ".join(asked.stderr.split())

    # The command the message gives works: a new collection, built with the new model.
    rebuilt = run_accords(data, "ingest", str(SAMPLES), "--json", **other, ACCORDS_COLLECTION=command[1])
    assert rebuilt.returncode == 0 and json.loads(rebuilt.stdout)["added"] == 7, rebuilt.stderr


def test_a_failing_embeddings_server_gives_503_and_the_service_recovers(
    embeddings: ScriptedEmbeddings, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path / "data")
    with RemoteEmbedder(embeddings.url, MODEL, retries=1) as embedder:
        Ingestor(open_store(settings, embedder), embedder, settings).run([SAMPLES])
        with TestClient(create_app(settings, embedder=embedder)) as client:
            embeddings.fail_next = [503, 503]  # one request and its retry
            refused = client.post("/chat", json={"question": "What is the minimum flow at Keld?"})
            assert refused.status_code == 503 and refused.headers["retry-after"]
            assert refused.json() == {
                "detail": "The embeddings server is unavailable; try again shortly.",
                "code": "embeddings_unavailable",
            }
            assert (
                client.post("/chat", json={"question": "What is the minimum flow at Keld?"}).status_code
                == 200
            )
