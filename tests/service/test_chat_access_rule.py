"""One access rule for every chat route, and JSON only on every JSON route.

The chat routes are found the way the app finds them (every POST route that gets the responder, or a
visitor's feedback on its answers), by walking the app's routes: each one must refuse a keyless caller
when keys are required, accept a site key in its header or as the bearer token (what OpenAI clients send
as `api_key`), count against the rate limits and sit behind the concurrency cap. A chat route added
later is found the same way, so it cannot escape. Bodies are `{}`: a request the access rules let through
gets the route's 4xx for a missing field, so no answer is computed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

import service.app
from service.access import SiteKeyStore
from service.deps import ResponderDep
from service.http.shedding import ConcurrencyCap
from service.routes import ROUTERS, answers_questions, chat_paths, routes_of
from tests.service.admin_support import AUTH, TOKEN

SITE = "https://site.example"
KNOWN = {"/chat", "/chat/stream", "/v1/chat/completions", "/feedback"}
BODY_METHODS = {"POST", "PUT", "PATCH"}


def served(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """Every FastAPI route the app serves, with its path (FastAPI keeps included routers whole)."""
    return [
        (context.path or route.path, route)
        for context in iter_route_contexts(app.routes)
        if isinstance(route := context.original_route, APIRoute)
    ]


def chat_routes_of(app: FastAPI) -> list[str]:
    return [path for path, route in served(app) if "POST" in route.methods and answers_questions(route)]


def code_of(response: Any) -> str:
    """The refusal's code in either dialect: ours, or OpenAI's under /v1."""
    body = response.json()
    return str(body["error"]["code"] if "error" in body else body["code"])


@pytest.fixture
def keyed(sample_data: Path, tmp_path: Path, make_client: Callable[..., TestClient]) -> Any:
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    key = SiteKeyStore(data / "site-keys.json").create([SITE]).key

    def make(**overrides: Any) -> tuple[TestClient, str]:
        return make_client(data_dir=data, **overrides), key

    return make


def test_the_chat_routes_are_found_on_the_app(client: TestClient) -> None:
    paths = chat_routes_of(client.app)  # type: ignore[arg-type]
    assert KNOWN <= set(paths), paths
    assert set(paths) == set(chat_paths(routes_of(ROUTERS)))  # what the middleware was given


def test_every_chat_route_needs_a_key_when_keys_are_required(keyed: Any) -> None:
    client, key = keyed(require_site_key=True)
    for path in chat_routes_of(client.app):
        refused = client.post(path, json={})
        assert refused.status_code == 403 and code_of(refused) == "site_key_required", (path, refused.text)
        foreign = client.post(path, json={}, headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403, path
        for headers in ({"X-Accords-Site-Key": key}, {"Authorization": f"Bearer {key}"}):
            passed = client.post(path, json={}, headers=headers)
            assert passed.status_code in (400, 422), (path, headers, passed.text)


def test_the_openai_route_is_refused_openai_style(keyed: Any) -> None:
    client, key = keyed(require_site_key=True)
    refused = client.post(
        "/v1/chat/completions", json={}, headers={"Authorization": "Bearer sk-not-a-site-key"}
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request_error", "site_key_required")
    assert "site key" in error["message"]


def test_a_page_elsewhere_may_use_the_openai_route_with_its_key(keyed: Any) -> None:
    client, key = keyed()
    asked = {
        "Origin": SITE,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    preflight = client.options("/v1/chat/completions", headers=asked)
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == SITE
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    keyless = client.post("/v1/chat/completions", json={}, headers={"Origin": SITE})
    assert keyless.status_code == 403 and keyless.headers["access-control-allow-origin"] == SITE
    keyed_call = client.post(
        "/v1/chat/completions", json={}, headers={"Origin": SITE, "Authorization": f"Bearer {key}"}
    )
    assert keyed_call.status_code == 400 and keyed_call.headers["access-control-allow-origin"] == SITE


def test_every_chat_route_counts_against_the_rate_limit(client: TestClient, keyed: Any) -> None:
    paths = chat_routes_of(client.app)  # type: ignore[arg-type]
    client, _ = keyed(rate_limit_ip=f"{len(paths)}/minute")
    for path in paths:  # one request each: the whole budget, shared
        assert client.post(path, json={}).status_code in (400, 422), path
    for path in paths:
        limited = client.post(path, json={})
        assert limited.status_code == 429 and code_of(limited) in ("rate_limited", "rate_limit_exceeded"), (
            path
        )
        assert int(limited.headers["retry-after"]) >= 1


def test_every_chat_route_is_behind_the_cap(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_concurrent_answers=1)
    assert client.get("/health").status_code == 200  # builds the middleware stack
    layer: Any = client.app.middleware_stack  # type: ignore[attr-defined]
    while layer is not None and not isinstance(layer, ConcurrencyCap):
        layer = getattr(layer, "app", None)
    assert isinstance(layer, ConcurrencyCap)
    layer.active = 1  # full: one answer is being written
    try:
        for path in chat_routes_of(client.app):  # type: ignore[arg-type]
            busy = client.post(path, json={})
            assert busy.status_code == 503 and code_of(busy) == "overloaded", path
            assert busy.headers["retry-after"] == "1"
    finally:
        layer.active = 0
    assert client.post("/chat", json={}).status_code == 422


def test_a_chat_route_added_later_is_under_the_same_rule(keyed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = APIRouter()

    @extra.post("/ask")
    async def ask(responder: ResponderDep) -> dict[str, str]:
        return {"answer": "computed"}

    monkeypatch.setattr(service.app, "ROUTERS", (*ROUTERS, extra))
    client, key = keyed(require_site_key=True)
    assert "/ask" in chat_routes_of(client.app)
    assert client.post("/ask", json={}).status_code == 403
    assert client.post("/ask", json={}, headers={"X-Accords-Site-Key": key}).json() == {"answer": "computed"}


# ---------------------------------------------------------------------------- JSON only


def test_every_json_route_refuses_other_content_types(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    """A page anywhere can send text/plain or a form without a CORS preflight: none may be parsed."""
    client = make_client(admin_token=TOKEN, ingest_root=tmp_path)
    routes = [
        (method, path)
        for path, route in served(client.app)  # type: ignore[arg-type]
        for method in route.methods & BODY_METHODS
        if not path.startswith("/admin/documents")  # multipart uploads
    ]
    assert {("POST", "/v1/chat/completions"), ("POST", "/chat"), ("POST", "/admin/ingest-jobs")} <= set(
        routes
    )
    for method, path in routes:
        for content_type in (
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ):
            response = client.request(
                method, path, content=b'{"question": "hi"}', headers={**AUTH, "Content-Type": content_type}
            )
            assert response.status_code == 415, (method, path, content_type, response.text)
            assert code_of(response) == "unsupported_media_type"


def test_the_openai_route_no_longer_answers_text_plain(client: TestClient) -> None:
    body = b'{"model": "accords", "messages": [{"role": "user", "content": "What is PGII?"}]}'
    response = client.post("/v1/chat/completions", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
