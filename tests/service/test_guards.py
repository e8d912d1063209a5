"""Load shedding: the concurrency cap (503 + Retry-After at once, never a queue) and the per-IP rate on
`/v1/chat/completions` (shared with the chat routes, OpenAI-shaped 429).

The cap is tested here on the middleware itself, with answers that wait for a signal, so "full" is exact;
`llm/test_saturation.py` fills the real service with slow streamed answers over real sockets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.http.shedding import ConcurrencyCap
from service.settings import Settings

Client = Callable[..., TestClient]
QUESTION = "When does the Northwater Basin Treaty enter into force?"
COMPLETION = {"model": "accords", "messages": [{"role": "user", "content": QUESTION}]}
OPENAI_PATH = "/v1/chat/completions"
CHAT_PATHS = ("/chat", "/chat/stream", OPENAI_PATH)  # as `service.routes.chat_paths` finds them


class Held:
    """An ASGI app whose answers finish only when `release` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.started += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"answer"})


async def call(
    app: ConcurrencyCap, path: str = "/chat", method: str = "POST"
) -> tuple[int, dict[str, str], bytes]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "method": method, "headers": []}
    await app(scope, receive, send)
    start, body = sent[0], sent[1]
    headers = {k.decode(): v.decode() for k, v in start.get("headers", [])}
    return start["status"], headers, body["body"]


def test_a_full_service_refuses_at_once_and_recovers() -> None:
    async def scenario() -> None:
        held = Held()
        cap = ConcurrencyCap(held, limit=2, paths=CHAT_PATHS)
        answering = [asyncio.create_task(call(cap, path)) for path in ("/chat", "/chat/stream")]
        while held.started < 2:
            await asyncio.sleep(0)
        status, headers, body = await asyncio.wait_for(call(cap, "/chat"), timeout=0.5)
        assert (status, headers["retry-after"]) == (503, "1")
        assert json.loads(body)["code"] == "overloaded"
        status, _, body = await asyncio.wait_for(call(cap, OPENAI_PATH), timeout=0.5)
        assert status == 503 and json.loads(body)["error"]["code"] == "overloaded"  # OpenAI-shaped
        assert held.started == 2 and cap.active == 2  # refused requests never reached the app
        held.release.set()
        assert [status for status, _, _ in await asyncio.gather(*answering)] == [200, 200]
        assert cap.active == 0
        assert (await call(cap, "/chat"))[0] == 200

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("path", "method"), [("/chat", "OPTIONS"), ("/documents", "GET"), ("/health", "GET")]
)
def test_other_requests_are_not_capped(path: str, method: str) -> None:
    async def scenario() -> None:
        held = Held()
        held.release.set()
        cap = ConcurrencyCap(held, limit=1, paths=CHAT_PATHS)
        cap.active = 1  # full
        assert (await call(cap, path, method))[0] == 200

    asyncio.run(scenario())


def test_the_cap_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACCORDS_MAX_CONCURRENT_ANSWERS", raising=False)
    assert Settings(_env_file=None).max_concurrent_answers == 16  # type: ignore[call-arg]
    monkeypatch.setenv("ACCORDS_MAX_CONCURRENT_ANSWERS", "3")
    assert Settings(_env_file=None).max_concurrent_answers == 3  # type: ignore[call-arg]


# ---- the per-IP rate on /v1/chat/completions


def test_the_openai_route_is_rate_limited_per_ip(make_client: Client) -> None:
    client = make_client(rate_limit_ip="2/minute")
    for _ in range(2):
        assert client.post(OPENAI_PATH, json=COMPLETION).status_code == 200
    refused = client.post(OPENAI_PATH, json=COMPLETION)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("requests", "rate_limit_exceeded")
    assert "try again" in error["message"]
    assert client.get("/v1/models").status_code == 200  # only answers count


def test_the_chat_routes_and_the_openai_route_share_one_budget(make_client: Client) -> None:
    client = make_client(rate_limit_ip="2/minute")
    assert client.post("/chat", json={"question": QUESTION}).status_code == 200
    assert client.post(OPENAI_PATH, json=COMPLETION).status_code == 200
    assert client.post("/chat", json={"question": QUESTION}).status_code == 429
    assert client.post(OPENAI_PATH, json=COMPLETION).status_code == 429


def test_the_openai_sdk_sees_a_rate_limit_error(make_client: Client) -> None:
    import openai

    client = make_client(rate_limit_ip="1/minute")
    sdk = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    sdk.chat.completions.create(model="accords", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.RateLimitError):
        sdk.chat.completions.create(model="accords", messages=[{"role": "user", "content": QUESTION}])
