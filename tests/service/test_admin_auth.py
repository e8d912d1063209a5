"""Who may call the admin API: the auth matrix on every admin route, and no cross-origin access ever."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.access.sitekeys import SiteKeyStore
from tests.service.admin_support import AUTH, TOKEN, assert_error

ROUTES = [
    ("POST", "/admin/documents"),
    ("PUT", "/admin/documents/some-document"),
    ("DELETE", "/admin/documents/some-document"),
    ("POST", "/admin/ingest-jobs"),
    ("GET", "/admin/ingest-jobs"),
    ("GET", "/admin/ingest-jobs/job_unknown"),
]
SITE = "https://site.example"


@pytest.fixture
def keys(tmp_path: Path) -> SiteKeyStore:
    return SiteKeyStore(tmp_path / "data" / "site-keys.json")


@pytest.fixture
def admin(make_client: Callable[..., TestClient], tmp_path: Path, keys: SiteKeyStore) -> Iterator[TestClient]:
    keys.create([SITE])  # a site key whose origin CORS is open to, on the chat routes
    yield make_client(data_dir=tmp_path / "data", admin_token=TOKEN, ingest_root=tmp_path)


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    body = {"json": {"path": "."}} if path == "/admin/ingest-jobs" and method == "POST" else {}
    return client.request(method, path, headers=headers, **body).status_code  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_token_is_a_401_with_a_bearer_challenge(admin: TestClient, method: str, path: str) -> None:
    response = admin.request(method, path)
    assert_error(response, 401, "unauthorized", "bearer token")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN}x", "Bearer wrong", f"Basic {TOKEN}", "Bearer ak_000000000000_" + "a" * 43, TOKEN],
)
def test_a_wrong_token_is_a_401(admin: TestClient, method: str, path: str, authorization: str) -> None:
    response = admin.request(method, path, headers={"Authorization": authorization})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_site_key_is_a_403_as_bearer_or_header(
    admin: TestClient, keys: SiteKeyStore, method: str, path: str
) -> None:
    site_key = keys.keys()[0].key
    for headers in ({"Authorization": f"Bearer {site_key}"}, {"X-Accords-Site-Key": site_key}):
        assert_error(admin.request(method, path, headers=headers), 403, "site_key_not_admin", "site key")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_admin_token_and_admin_keys_are_accepted(
    admin: TestClient, keys: SiteKeyStore, method: str, path: str
) -> None:
    _, secret = keys.create_admin("deploy bot")
    for headers in (AUTH, {"Authorization": f"Bearer {secret}"}, {"authorization": f"bearer  {secret} "}):
        assert call(admin, method, path, headers) not in (401, 403)


def test_a_revoked_admin_key_is_refused_at_once(admin: TestClient, keys: SiteKeyStore) -> None:
    key, secret = keys.create_admin()
    headers = {"Authorization": f"Bearer {secret}"}
    assert admin.get("/admin/ingest-jobs", headers=headers).status_code == 200
    SiteKeyStore(keys.path).revoke(key.key)  # `accords keys revoke` in another process
    assert_error(admin.get("/admin/ingest-jobs", headers=headers), 401, "invalid_token")
    assert admin.get("/admin/ingest-jobs", headers=AUTH).status_code == 200  # the token still works


def test_without_a_configured_token_only_admin_keys_work(
    make_client: Callable[..., TestClient], tmp_path: Path, keys: SiteKeyStore
) -> None:
    client = make_client(data_dir=tmp_path / "data")
    assert client.get("/admin/ingest-jobs", headers=AUTH).status_code == 401
    _, secret = keys.create_admin()
    assert client.get("/admin/ingest-jobs", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_short_admin_token_is_refused_at_start_up(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from tests.service.conftest import service_settings

    with pytest.raises(ValidationError, match="admin_token"):
        service_settings(tmp_path / "data", admin_token="short")
    assert service_settings(tmp_path / "data", admin_token="  ").admin_token is None


# ---------------------------------------------------------------------------- never cross-origin


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_cors_preflight_is_answered(admin: TestClient, method: str, path: str) -> None:
    response = admin.options(
        path,
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert response.status_code >= 400
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", [SITE, "https://evil.example", "null"])
def test_a_request_from_another_origin_is_refused_even_with_the_token(admin: TestClient, origin: str) -> None:
    response = admin.get("/admin/ingest-jobs", headers={**AUTH, "Origin": origin})
    assert_error(response, 403, "cross_origin")
    assert "access-control-allow-origin" not in response.headers


def test_the_service_own_origin_may_call(admin: TestClient) -> None:
    response = admin.get("/admin/ingest-jobs", headers={**AUTH, "Origin": "http://testserver"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_the_openapi_document_lists_the_admin_routes_with_bearer_auth(admin: TestClient) -> None:
    schema = admin.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["AdminToken"]["scheme"] == "bearer"
    upload = schema["paths"]["/admin/documents"]["post"]
    assert upload["security"] == [{"AdminToken": []}]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"/admin/ingest-jobs", "/admin/ingest-jobs/{job_id}"} <= set(schema["paths"])
