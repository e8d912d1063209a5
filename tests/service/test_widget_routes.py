"""GET /widget.js, /widget/status and /demo; and `accords serve` believing X-Forwarded-For only when told."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import service.app
from service.cli import app as cli
from service.sitekeys import SiteKeyStore
from tests.service.conftest import service_settings

WIDGET_JS = Path(__file__).resolve().parents[2] / "service" / "static" / "widget.js"


def test_widget_js_is_served_with_a_validator(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == WIDGET_JS.read_bytes()
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    etag = response.headers["etag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_widget_js_loads_nothing_from_elsewhere() -> None:
    source = WIDGET_JS.read_text()
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source
    assert (
        "import(" not in source and "https://" not in source.split("*/", 1)[1]
    )  # no CDN, no fetch elsewhere


def test_status_answers_any_origin(tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    key = SiteKeyStore(tmp_path / "data" / "site-keys.json").create(["https://site.example"]).key
    client = make_client(data_dir=tmp_path / "data")

    def status(origin: str, site_key: str) -> Any:
        response = client.get("/widget/status", params={"site_key": site_key}, headers={"Origin": origin})
        assert response.headers["access-control-allow-origin"] == "*"
        return response.json()

    assert status("https://site.example", key)["origin_allowed"] is True
    refused = status("https://evil.example", key)
    assert refused == {
        "ok": True,
        "origin_allowed": False,
        "message": "This site is not allowed to use this chat.",
    }
    assert status("https://site.example", "")["origin_allowed"] is False


def test_demo_embeds_the_widget_like_a_third_party(client: TestClient) -> None:
    response = client.get("/demo")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert (
        '<script src="http://testserver/widget.js" data-site-key="" data-title="Ask the treaties" async>'
        in page
    )
    assert "&lt;script src=&quot;http://testserver/widget.js&quot; data-site-key=&quot;pk_...&quot;" in page
    assert "{{" not in page
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "default-src 'none'" in csp


def test_demo_takes_only_a_key_shaped_site_key(client: TestClient) -> None:
    assert 'data-site-key="pk_abc-DEF_123"' in client.get("/demo", params={"site_key": "pk_abc-DEF_123"}).text
    hostile = client.get("/demo", params={"site_key": 'pk_x"><script>alert(1)</script>'}).text
    assert "alert(1)" not in hostile and 'data-site-key=""' in hostile


def test_demo_says_when_a_key_is_required(make_client: Callable[..., TestClient]) -> None:
    assert "requires a site key" in make_client(require_site_key=True).get("/demo").text


@pytest.mark.parametrize(
    ("proxies", "expected"), [("", (False, None)), ("10.0.0.5, 10.0.0.6", (True, "10.0.0.5, 10.0.0.6"))]
)
def test_serve_believes_forwarded_for_only_from_trusted_proxies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxies: str, expected: tuple[bool, str | None]
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(service.app, "create_app", lambda settings: object())
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    settings = service_settings(tmp_path / "data", trusted_proxies=proxies)
    result = CliRunner().invoke(cli, ["serve", "--port", "8123"], obj=settings)
    assert result.exit_code == 0, result.output
    assert (calls[0]["proxy_headers"], calls[0]["forwarded_allow_ips"]) == expected
