"""The console's routes: the page at /admin (open, with its own strict CSP), its assets, and the site-key
admin API it uses (`/admin/site-keys`, the same key file as `accords keys`). The console itself runs in
Chromium in tests/browser/test_console.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from service.access.sitekeys import SiteKeyStore
from tests.service.admin_support import AUTH, TOKEN, copy_store

CONSOLE = Path(__file__).resolve().parents[2] / "service" / "static" / "console"


def test_the_console_page_is_open_and_locked_down(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=TOKEN)
    page = client.get("/admin")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " style=" not in page.text and "<style" not in page.text
    assert re.search(r'<script type="module" src="console/main.js"></script>', page.text)
    assert client.get("/console/console.css").headers["content-type"].startswith("text/css")


def test_every_console_module_is_served_and_nothing_else(make_client: Callable[..., TestClient]) -> None:
    client = make_client(admin_token=TOKEN)
    modules = sorted(path.name for path in CONSOLE.glob("*.js"))
    assert "main.js" in modules and len(modules) > 1
    for name in [*modules, "console.css"]:
        asset = client.get(f"/console/{name}")
        assert asset.status_code == 200 and asset.content == (CONSOLE / name).read_bytes()
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        assert asset.headers["content-type"].startswith(kind)
        revalidated = client.get(f"/console/{name}", headers={"If-None-Match": asset.headers["etag"]})
        assert revalidated.status_code == 304
    for name in ("index.html", "console.js", "nothing.js", "..%2Fdemo.html", "..%2F..%2Froutes%2Fconsole.py"):
        assert client.get(f"/console/{name}").status_code == 404, name
    assert client.get("/console/../routes/console.py").status_code == 404
    assert client.get("/console/%2E%2E/routes/console.py").status_code == 404


def test_console_modules_are_small_and_import_only_each_other() -> None:
    modules = {path.name: path.read_text(encoding="utf-8") for path in CONSOLE.glob("*.js")}
    for name, source in modules.items():
        assert len(source.splitlines()) <= 200, f"{name}: split it (the house rule is ~50-200 lines)"
        for imported in re.findall(r'^import .* from "\./([^"]+)";$', source, flags=re.MULTILINE):
            assert imported in modules, (name, imported)


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
