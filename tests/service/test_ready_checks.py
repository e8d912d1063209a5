"""`/ready` checks a configured embeddings server (a question cannot be embedded without it) and reports a
shared state that does not answer as degraded, still ready."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from harness import ScriptedEmbeddings, UvicornThread, free_port

ADMIN_TOKEN = "a-token-of-at-least-16-characters"


def test_an_unreachable_embeddings_server_is_not_ready(make_client: Callable[..., TestClient]) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    client = make_client(embeddings_url=dead, embeddings_model="hash-64", admin_token=ADMIN_TOKEN)
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "detail": "the embeddings server is unreachable"}
    detailed = client.get("/ready", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()
    assert "ConnectError" in detailed["error"]


def test_an_embeddings_server_that_answers_is_ready(make_client: Callable[..., TestClient]) -> None:
    scripted = ScriptedEmbeddings()
    with UvicornThread(scripted.app) as thread:
        client = make_client(embeddings_url=f"{thread.url}/v1", embeddings_model="hash-64")
        ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_a_shared_state_that_does_not_answer_is_degraded_not_unready(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    for _ in range(3):  # each /ready probes it: three failures open the breaker
        client.get("/ready")
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    shared = ready.json()["degraded"]["shared_state"]
    assert shared["state"] == "degraded" and "error" not in shared  # the details are for admins
    answer = client.post("/chat", json={"question": "Who signed it?", "conversation_id": "abc"})
    assert answer.status_code == 200 and answer.json()["degraded"] is True
