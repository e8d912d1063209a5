"""GET /widget.js, /widget/status and /demo; and `accords serve` believing X-Forwarded-For only when told."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import service.app
import service.routes.widget as widget
from service.access.sitekeys import SiteKeyStore
from service.cli import app as cli
from tests.service.conftest import service_settings


def test_widget_js_is_served_with_a_validator(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == widget.widget_script()
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    etag = response.headers["etag"]
    again = client.get("/widget.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_widget_js_loads_nothing_from_elsewhere() -> None:
    source = widget.widget_script().decode("utf-8")
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)  # the embed snippets in comments name https://
    assert "import(" not in code and "https://" not in code  # no CDN, no fetch elsewhere


def test_widget_js_is_the_parts_joined_in_manifest_order_and_rejoined_when_one_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = tmp_path / "widget"
    shutil.copytree(widget.WIDGET_PARTS, parts)
    monkeypatch.setattr(widget, "WIDGET_PARTS", parts)
    names = [line for line in (parts / "parts.txt").read_text().splitlines() if line and line[0] != "#"]
    assert names[-1] == "embed.js" and sorted(names) == sorted(p.name for p in parts.glob("*.js"))

    first, etag = widget.widget_file()
    offsets = [first.index(f"\n// ---- {name}\n".encode()) for name in names]
    assert offsets == sorted(offsets) and first.count(b"\n// ---- ") == len(names)
    assert first.startswith(b"/*! accords chat widget") and first.endswith(b"})();\n")
    assert (parts / "sse.js").read_bytes() in first
    assert widget.widget_file() == (first, etag)  # unchanged parts: the cached join

    (parts / "sse.js").write_text((parts / "sse.js").read_text() + "// edited\n")
    edited, edited_etag = widget.widget_file()
    assert b"// edited\n" in edited and edited_etag != etag

    (parts / "parts.txt").write_text("\n".join(["sse.js", "values.js"]) + "\n")
    reordered = widget.widget_file()[0]
    assert reordered.index(b"// ---- sse.js") < reordered.index(b"// ---- values.js")
    assert b"// ---- embed.js" not in reordered


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_widget_js_as_served_parses(tmp_path: Path) -> None:
    # tests/js/ parses its own join of the parts; this parses the bytes the service actually sends.
    script = tmp_path / "widget.js"
    script.write_bytes(widget.widget_script())
    check = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


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
    real_config = uvicorn.Config

    def config(app: Any, **kwargs: Any) -> uvicorn.Config:
        calls.append(kwargs)
        return real_config(app, **kwargs)

    monkeypatch.setattr(service.app, "create_app", lambda settings: object())
    monkeypatch.setattr(uvicorn, "Config", config)
    monkeypatch.setattr(uvicorn.Server, "run", lambda server, sockets=None: None)
    settings = service_settings(tmp_path / "data", trusted_proxies=proxies)
    result = CliRunner().invoke(cli, ["serve", "--port", "8123"], obj=settings)
    assert result.exit_code == 0, result.output
    assert (calls[0]["proxy_headers"], calls[0]["forwarded_allow_ips"]) == expected
