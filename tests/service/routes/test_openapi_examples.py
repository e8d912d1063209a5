"""The request bodies /docs offers are valid requests: each example in the OpenAPI schema, sent as it is.

Every operation with a JSON body has examples (so Swagger UI never fills in "string" placeholders), and
each one gets its route's success status from an app over the sample store (the admin job example from
an app with an ingest root holding the folder it names, and the admin token).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.service.admin_support import AUTH, TOKEN

Client = Callable[..., TestClient]
JSON_BODIES = {("post", "/chat"), ("post", "/chat/stream"), ("post", "/v1/chat/completions")}
ADMIN_BODIES = {("post", "/admin/ingest-jobs"), ("post", "/admin/site-keys")}
SUCCESS = {"/admin/ingest-jobs": 202, "/admin/site-keys": 201}


def examples(schema: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """(method, path, example name, body) for every example of a JSON request body, the schema's too."""
    components = schema.get("components", {}).get("schemas", {})
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            media = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if media is None:
                continue
            for name, example in media.get("examples", {}).items():
                yield method, path, name, example["value"]
            if "example" in media:
                yield method, path, "example", media["example"]
            ref = media["schema"].get("$ref", "")
            for n, value in enumerate(components.get(ref.rsplit("/", 1)[-1], {}).get("examples", [])):
                yield method, path, f"schema example {n}", value


def send(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
    response = client.request(method, path, json=body, headers=headers)
    assert response.status_code == SUCCESS.get(path, 200), (method, path, body, response.text)
    if body.get("stream") or path == "/chat/stream":
        assert "event: done" in response.text or "data: [DONE]" in response.text, response.text


def test_every_json_body_has_examples_that_work_as_sent(make_client: Client, tmp_path: Path) -> None:
    client = make_client()
    found = list(examples(client.get("/openapi.json").json()))
    assert {(method, path) for method, path, _, _ in found} == JSON_BODIES | ADMIN_BODIES
    root = tmp_path / "ingest"
    for _, _, _, body in found:
        if "path" in body:
            (root / body["path"]).mkdir(parents=True, exist_ok=True)
    admin = make_client(data_dir=tmp_path / "data", admin_token=TOKEN, ingest_root=root)
    for method, path, _, body in found:
        if (method, path) in ADMIN_BODIES:
            send(admin, method, path, body, AUTH)
        else:
            send(client, method, path, body, {})
