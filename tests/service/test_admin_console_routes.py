"""The console's routes: the page at /admin (open, with its own strict CSP), its two assets, and the site-key
admin API it uses (`/admin/site-keys`, the same key file as `accords keys`). The console itself runs in
Chromium in tests/browser/test_console.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from service.access.sitekeys import SiteKeyStore
from tests.service.admin_support import AUTH, TOKEN, copy_store


def test_the_console_page_is_open_and_locked_down(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=TOKEN)
    page = client.get("/admin")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " style=" not in page.text and "<style" not in page.text
    assert re.search(r'<script src="console/console.js" defer></script>', page.text)
    for name, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
        asset = client.get(f"/console/{name}")
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert (
            client.get(f"/console/{name}", headers={"If-None-Match": asset.headers["etag"]}).status_code
            == 304
        )
    assert client.get("/console/index.html").status_code == 404
    assert client.get("/console/..%2Fdemo.html").status_code == 404


def test_only_the_page_itself_is_open_under_admin(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=TOKEN)
    assert client.post("/admin", json={}).status_code == 401
    assert client.get("/admin/").status_code == 401
    assert client.get("/admin/site-keys").status_code == 401
    assert client.delete("/admin/site-keys/pk_x").status_code == 401


def test_site_keys_over_http_are_the_cli_keys(
    make_client: Callable[..., TestClient], sample_data: Path, tmp_path: Path
) -> None:
    client = make_client(copy_store(sample_data, tmp_path), admin_token=TOKEN)
    created = client.post(
        "/admin/site-keys", json={"origins": ["https://news.example/"], "rate": "5/minute"}, headers=AUTH
    )
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["key"].startswith("pk_") and record["origins"] == ["https://news.example"]
    assert record["rate"] == "5/minute" and record["active"] is True and record["default_rate"] is False
    store = SiteKeyStore(tmp_path / "data" / "site-keys.json", check_interval=0)  # what `accords keys` reads
    assert store.get(record["key"]) is not None
    listed = client.get("/admin/site-keys", headers=AUTH).json()["keys"]
    assert [k["key"] for k in listed] == [record["key"]]

    revoked = client.delete(f"/admin/site-keys/{record['key']}", headers=AUTH)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert store.get(record["key"]) is None
    assert client.delete(f"/admin/site-keys/{record['key']}", headers=AUTH).status_code == 200  # idempotent
    assert client.delete("/admin/site-keys/pk_unknown", headers=AUTH).status_code == 404
    assert client.delete("/admin/site-keys/ak_0123456789ab", headers=AUTH).status_code == 404


def test_bad_site_key_requests_are_422(
    make_client: Callable[..., TestClient], sample_data: Path, tmp_path: Path
) -> None:
    client = make_client(copy_store(sample_data, tmp_path), admin_token=TOKEN)
    bodies: list[dict[str, object]] = [
        {"origins": []},
        {"origins": ["not an origin"]},
        {"origins": ["https://a.example"], "rate": "lots"},
        {"origins": ["https://a.example"], "extra": 1},
    ]
    for body in bodies:
        response = client.post("/admin/site-keys", json=body, headers=AUTH)
        assert response.status_code == 422, (body, response.text)
