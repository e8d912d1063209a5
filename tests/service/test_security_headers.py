"""Security headers, the offline API docs, and CORS closed by default on everything but the keyed routes.

HTML pages get a Content-Security-Policy (their own, or one that allows nothing) and X-Frame-Options;
every response gets nosniff and no-referrer. `/docs` is Swagger UI from this process: no CDN, and a CSP
that allows its one inline script by hash and nothing from another origin. (`tests/browser` opens it in
Chromium to show that it renders under that CSP.)
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

FOREIGN = "https://elsewhere.example"


def directives(csp: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in csp.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/health", "/documents", "/widget.js", "/metrics", "/openapi.json"])
def test_every_response_has_the_basic_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "content-security-policy" not in response.headers  # not a page


def test_the_demo_page_keeps_its_own_policy_and_may_be_framed_by_itself(client: TestClient) -> None:
    response = client.get("/demo")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'self'" and response.headers["x-frame-options"] == "SAMEORIGIN"


def test_the_docs_load_nothing_from_another_origin(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page), "an external asset"
    assert "cdn" not in page.lower() and '"validatorUrl": null' in page
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and response.headers["x-frame-options"] == "DENY"
    (inline,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"  # that script, and files from here
    for asset in re.findall(r"""(?:src|href)="(/docs/assets/[^"]+)""", page):
        served = client.get(asset)
        assert served.status_code == 200 and served.headers["cache-control"].startswith("public")
    assert client.get("/docs/assets/index.html").status_code == 404
    assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN


def test_other_html_gets_a_policy_that_allows_nothing(client: TestClient) -> None:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from service.http.headers import STRICT_CSP, SecurityHeaders

    app = FastAPI()
    app.get("/page", response_class=HTMLResponse)(lambda: "<p>hello</p>")
    with TestClient(SecurityHeaders(app)) as bare:  # type: ignore[arg-type]
        response = bare.get("/page")
    assert response.headers["content-security-policy"] == STRICT_CSP
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/documents"),
        ("GET", "/metrics"),
        ("GET", "/docs"),
        ("POST", "/v1/chat/completions"),
        ("GET", "/documents/northwater-basin-treaty/text"),
    ],
)
def test_cors_is_closed_outside_the_keyed_chat_routes(client: TestClient, method: str, path: str) -> None:
    preflight = client.options(path, headers={"Origin": FOREIGN, "Access-Control-Request-Method": method})
    assert "access-control-allow-origin" not in preflight.headers
    response = client.request(method, path, headers={"Origin": FOREIGN}, json=None)
    assert "access-control-allow-origin" not in response.headers


def test_a_keyless_page_elsewhere_cannot_chat(client: TestClient) -> None:
    preflight = client.options("/chat", headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
