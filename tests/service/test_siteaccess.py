"""The site-access middleware in the app: CORS on every response to an allowed page (errors included),
preflights, refusals, 429s, and only the chat routes opened to other origins."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.access.middleware import SiteAccess
from service.access.policy import AccessPolicy
from service.access.ratelimit import RateLimiter
from service.access.sitekeys import SiteKeyStore

SITE = "https://site.example"
QUESTION = {"question": "What is the minimum flow at the Keld gauging station?"}


@pytest.fixture(scope="module")
def keyed_data(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A copy of the sample store with site keys of its own (the shared store stays keyless)."""
    data = tmp_path_factory.mktemp("keyed") / "data"
    shutil.copytree(sample_data, data)
    store = SiteKeyStore(data / "site-keys.json")
    keys = {
        "site": store.create([SITE]).key,
        "other": store.create(["https://other.example"]).key,
        "limited": store.create([SITE], rate="2/minute").key,
    }
    return data, keys


@pytest.fixture
def keyed(keyed_data: tuple[Path, dict[str, str]], make_client: Callable[..., TestClient]) -> Any:
    data, keys = keyed_data

    def make(**overrides: Any) -> tuple[TestClient, dict[str, str]]:
        return make_client(data_dir=data, **overrides), keys

    return make


def from_site(key: str | None = None, origin: str = SITE) -> dict[str, str]:
    return {"Origin": origin, **({"X-Accords-Site-Key": key} if key else {})}


def test_preflight(keyed: Any) -> None:
    client, _ = keyed()
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    for path in ("/chat", "/chat/stream"):
        allowed = client.options(path, headers={**from_site(), **asked})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == SITE
        assert "x-accords-site-key" in allowed.headers["access-control-allow-headers"].lower()
        refused = client.options(path, headers={**from_site(origin="https://evil.example"), **asked})
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_a_keyed_site_chats_and_streams(keyed: Any) -> None:
    client, keys = keyed()
    answer = client.post("/chat", json=QUESTION, headers=from_site(keys["site"]))
    assert answer.status_code == 200 and answer.json()["found"]
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.headers["vary"] == "Origin"
    with client.stream("POST", "/chat/stream", json=QUESTION, headers=from_site(keys["site"])) as stream:
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["access-control-allow-origin"] == SITE
        assert "event: done" in stream.read().decode()


def test_refusals_carry_cors_headers_for_keyed_origins(keyed: Any) -> None:
    client, keys = keyed()
    wrong = client.post("/chat/stream", json=QUESTION, headers=from_site(keys["other"]))
    assert wrong.status_code == 403 and wrong.json()["code"] == "origin_not_allowed"
    assert wrong.headers["access-control-allow-origin"] == SITE
    keyless = client.post("/chat", json=QUESTION, headers=from_site())
    assert keyless.status_code == 403 and keyless.json()["code"] == "site_key_required"
    foreign = client.post("/chat", json=QUESTION, headers=from_site(keys["site"], "https://evil.example"))
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b'{"question": ""}', {"Content-Type": "application/json"}, 422),
        (b"question=hi", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b'{"question": "' + b"x" * 70_000 + b'"}', {"Content-Type": "application/json"}, 413),
    ],
)
def test_errors_carry_cors_headers(keyed: Any, body: bytes, headers: dict[str, str], status: int) -> None:
    client, keys = keyed()
    response = client.post("/chat", content=body, headers={**headers, **from_site(keys["site"])})
    assert response.status_code == status
    assert response.headers["access-control-allow-origin"] == SITE


def test_an_unexpected_error_is_answered_with_cors_headers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Starlette's last-resort 500 is sent from outside every middleware: the middleware answers instead.
    async def broken(request: Request) -> Response:
        raise RuntimeError("boom")

    store = SiteKeyStore(tmp_path / "site-keys.json")
    key = store.create([SITE]).key
    policy = AccessPolicy(store, RateLimiter("off", "9/minute"), require_site_key=False)
    access = Starlette(
        routes=[Route("/chat", broken, methods=["POST"])],
        middleware=[Middleware(SiteAccess, policy=lambda: policy, paths=["/chat"])],
    )
    with TestClient(access, raise_server_exceptions=False) as client:
        response = client.post("/chat", json=QUESTION, headers=from_site(key))
    assert response.status_code == 500 and response.json()["code"] == "internal_error"
    assert response.headers["access-control-allow-origin"] == SITE
    assert "boom" not in response.text and "boom" in caplog.text


def test_rate_limited_answers_429_with_retry_after(keyed: Any) -> None:
    client, keys = keyed()
    for _ in range(2):
        assert client.post("/chat", json=QUESTION, headers=from_site(keys["limited"])).status_code == 200
    limited = client.post("/chat/stream", json=QUESTION, headers=from_site(keys["limited"]))
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.headers["access-control-allow-origin"] == SITE
    assert "Retry-After" in limited.headers["access-control-expose-headers"]


def test_keyless_use_is_limited_per_ip(keyed: Any) -> None:
    client, _ = keyed(rate_limit_ip="2/minute")
    statuses = [client.post("/chat", json=QUESTION).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_same_origin_needs_no_key_unless_required(keyed: Any) -> None:
    client, keys = keyed()
    assert client.post("/chat", json=QUESTION).status_code == 200  # no Origin: curl, scripts
    own = {"Origin": "http://testserver"}  # TestClient's Host
    assert client.post("/chat", json=QUESTION, headers=own).status_code == 200
    strict, _ = keyed(require_site_key=True)
    refused = strict.post("/chat", json=QUESTION)
    assert refused.status_code == 403 and refused.json()["code"] == "site_key_required"
    assert (
        strict.post("/chat", json=QUESTION, headers={"X-Accords-Site-Key": keys["site"]}).status_code == 200
    )
    assert strict.post("/chat", json=QUESTION, headers=from_site(keys["site"])).status_code == 200


def test_other_routes_stay_closed_to_other_origins(keyed: Any) -> None:
    client, keys = keyed()
    for path in ("/documents", "/health", "/documents/northwater-basin-treaty/text"):
        response = client.get(path, headers=from_site(keys["site"]))
        assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
