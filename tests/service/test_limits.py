"""The 64 KiB body limit: a 413 JSON before the body is parsed, declared (Content-Length) or not (chunked)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.http.bodylimit import BodyLimit
from tests.service.test_errors import assert_error

LIMIT = 64 * 1024
PATHS = ["/chat", "/chat/stream"]


def body_of_size(size: int) -> bytes:
    """A JSON object of exactly `size` bytes (with an unknown field, so a 422 if it gets through)."""
    empty = json.dumps({"question": "What is PGII?", "padding": ""}).encode()
    body = json.dumps({"question": "What is PGII?", "padding": "a" * (size - len(empty))}).encode()
    assert len(body) == size
    return body


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("path", PATHS)
def test_a_declared_body_over_the_limit_gets_a_413(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=body_of_size(LIMIT + 1), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "too_large", str(LIMIT))


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_body_over_the_limit_gets_a_413(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=chunks(body_of_size(10 * LIMIT)), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "too_large", str(LIMIT))


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_body_just_over_the_limit_gets_a_413(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=chunks(body_of_size(LIMIT + 1)), headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "too_large")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_of_exactly_the_limit_is_read(client: TestClient, path: str, chunked: bool) -> None:
    data = body_of_size(LIMIT)
    response = client.post(
        path, content=chunks(data) if chunked else data, headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "invalid_request", "padding")  # parsed: the unknown field is named


def test_a_big_question_that_fits_is_judged_by_its_length(client: TestClient) -> None:
    response = client.post("/chat", json={"question": "q" * 30_000})
    assert_error(response, 422, "invalid_request", "at most 2000 characters")


def test_the_limit_follows_the_setting(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=2048)
    response = client.post("/chat", content=body_of_size(2049), headers={"content-type": "application/json"})
    assert_error(response, 413, "too_large", "2048")
    assert client.post("/chat", json={"question": "What is PGII?"}).status_code == 200


def test_the_app_never_sees_the_rest_of_an_oversized_body() -> None:
    """Pure ASGI: after the limit the app is told the client left; what it answers to that is dropped."""
    received: list[Message] = []
    sent: list[Message] = []
    incoming: list[Message] = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 5

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b"ignored"})

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(BodyLimit(app, max_bytes=1024)({"type": "http", "headers": []}, receive, send))
    assert [m["type"] for m in received] == ["http.request", "http.disconnect"]
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert json.loads(sent[-1]["body"])["code"] == "too_large"
