"""GET /health, GET /ready (and what an unreachable store does to them), and the OpenAPI docs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from harness import HashingEmbedder, free_port
from ingest.store import StoreUnavailable
from service.app import create_app
from tests.service.conftest import service_settings
from tests.service.test_errors import assert_error


def test_health_says_the_process_is_up(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_when_the_store_answers(client: TestClient) -> None:
    response = client.get("/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready", "documents": 8})


def test_not_ready_while_the_store_is_unreachable(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    store = client.app.state.runtime.store  # type: ignore[attr-defined]

    def unreachable() -> str:
        raise StoreUnavailable("cannot reach the Chroma server at http://127.0.0.1:9")

    monkeypatch.setattr(store, "generation", unreachable)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json()["status"] == "unavailable" and "unreachable" in response.json()["detail"]
    assert "Chroma server" not in response.text  # internals only in the log, or to an admin
    assert client.get("/health").status_code == 200  # liveness does not depend on the store
    monkeypatch.undo()
    assert client.get("/ready").status_code == 200


def test_not_ready_before_the_lifespan_ran(sample_data: Path, fake: HashingEmbedder) -> None:
    app = create_app(service_settings(sample_data), embedder=fake)
    client = TestClient(app)  # not entered: the lifespan has not opened the model and the store
    try:
        response = client.get("/ready")
        assert response.status_code == 503 and response.json()["status"] == "starting"
        assert_error(client.post("/chat", json={"question": "What is PGII?"}), 503, "unavailable", "starting")
        assert_error(client.get("/documents"), 503, "unavailable")
        assert client.get("/health").status_code == 200
    finally:
        client.close()


def test_an_unreachable_chroma_server_stops_the_start_with_its_address(
    tmp_path: Path, fake: HashingEmbedder
) -> None:
    """With ACCORDS_CHROMA_URL on a closed port the app does not start (so never reports ready)."""
    url = f"http://127.0.0.1:{free_port()}"
    app = create_app(service_settings(tmp_path / "data", chroma_url=url), embedder=fake)
    with pytest.raises(StoreUnavailable, match=url.replace(".", r"\.")):
        with TestClient(app):
            pass


def test_openapi_describes_every_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "accords"
    paths = schema["paths"]
    for path, method in [
        ("/chat", "post"),
        ("/chat/stream", "post"),
        ("/documents", "get"),
        ("/documents/{document_id}", "get"),
        ("/documents/{document_id}/text", "get"),
        ("/health", "get"),
        ("/ready", "get"),
    ]:
        assert method in paths[path], path
    chat = paths["/chat"]["post"]
    assert {"200", "413", "415", "422", "503"} <= set(chat["responses"])
    request = schema["components"]["schemas"]["ChatRequest"]
    assert {"question", "conversation_id", "filters", "top_k"} <= set(request["properties"])
    assert request["properties"]["question"]["maxLength"] == 2000


def test_the_docs_page_is_served(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text and "swagger" in response.text.lower()
