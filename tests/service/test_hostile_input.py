"""Hostile input that used to cost a 500, memory or a leak: deep JSON, admin bodies read before the token
was checked, secrets with a trailing newline, huge request headers, long non-ASCII file names, /ready's
internals, foreign Host headers (DNS rebinding); and two slow leaks of the store's bookkeeping (orphans
miscounted, a lexical vocabulary that only grew)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import service.app
from harness import bound_socket, url_of
from ingest.models import Chunk, DocumentRecord
from ingest.store import StoreUnavailable
from service.admin.uploads import safe_stem
from service.app import create_app
from service.cli import app as cli
from service.http import MAX_JSON_DEPTH, SERVER_LIMITS, json_too_deep, logs
from tests.service.admin_support import AUTH, TOKEN, upload
from tests.service.conftest import service_settings
from tests.service.test_errors import assert_error

NOTE = b"---\ntitle: Harbour Note\n---\n\nThe harbour of Velmora will gain two new cranes in 2025.\n"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def admin(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(data_dir=tmp_path / "data", admin_token=TOKEN, ingest_root=tmp_path)


# ---------------------------------------------------------------------------- B: deep JSON


def test_deep_json_is_a_400_on_every_json_route(admin: TestClient) -> None:
    deep = '{"model": "accords", "messages": ' + nested(1000) + "}"  # 2 KB: a RecursionError when parsed
    headers = {**AUTH, "Content-Type": "application/json"}
    openai = admin.post("/v1/chat/completions", content=deep, headers=headers)
    assert openai.status_code == 400, openai.text
    assert openai.json()["error"]["type"] == "invalid_request_error"
    assert f"{MAX_JSON_DEPTH} levels" in openai.json()["error"]["message"]
    for path in ("/chat", "/chat/stream", "/admin/ingest-jobs"):
        body = '{"question": ' + nested(1000) + "}"
        assert_error(admin.post(path, content=body, headers=headers), 400, "bad_request", "levels deep")


def test_deep_json_in_the_upload_metadata_is_a_422(admin: TestClient) -> None:
    response = upload(admin, [("harbour.md", NOTE)], metadata='{"parties": ' + nested(1000) + "}")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request" and "levels deep" in response.json()["detail"]


def test_the_depth_check_counts_brackets_outside_strings() -> None:
    assert not json_too_deep(nested(MAX_JSON_DEPTH)) and json_too_deep(nested(MAX_JSON_DEPTH + 1))
    assert not json_too_deep(json.dumps({"question": "[" * 5000}))  # brackets in a string are text
    assert not json_too_deep(json.dumps({"question": '"[[[' + "\\" * 3}))
    assert json_too_deep(b'{"a": "\\"", "b": ' + nested(40).encode() + b"}")  # an escaped quote ends nothing


# ---------------------------------------------------------------------------- C: admin auth first


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b'{"path": ', "application/json"), (b"path=.", "text/plain"), (b'{"path": 5}', "application/json")],
    ids=["malformed", "not-json", "invalid"],
)
def test_admin_calls_without_a_token_are_refused_before_the_body_is_read(
    admin: TestClient, content: bytes, content_type: str
) -> None:
    response = admin.post("/admin/ingest-jobs", content=content, headers={"Content-Type": content_type})
    assert_error(response, 401, "unauthorized", "bearer token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    wrong = admin.post(
        "/admin/ingest-jobs",
        content=content,
        headers={"Content-Type": content_type, "Authorization": "Bearer x"},
    )
    assert_error(wrong, 401, "invalid_token")


# ---------------------------------------------------------------------------- D: secrets from files


def test_secrets_lose_the_newline_of_the_file_they_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., TestClient]
) -> None:
    settings = service_settings(tmp_path / "data", admin_token=f"{TOKEN}\n", llm_api_key=" sk-123\r\n")
    assert settings.admin_token is not None and settings.admin_token.get_secret_value() == TOKEN
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "sk-123"
    client = make_client(data_dir=tmp_path / "data", admin_token=f"  {TOKEN}\n")
    assert client.get("/admin/ingest-jobs", headers=AUTH).status_code == 200


# ---------------------------------------------------------------------------- E: request headers


def test_too_many_or_too_big_headers_get_a_431(client: TestClient) -> None:
    many = {f"X-Filler-{n}": "x" for n in range(120)}
    assert_error(client.get("/health", headers=many), 431, "headers_too_large", "too many")
    big = {"X-Big": "x" * 9000}
    assert_error(client.get("/health", headers=big), 431, "headers_too_large", "larger than")
    assert client.get("/health", headers={"X-Fine": "x" * 4000}).status_code == 200


class Served:
    """The app under uvicorn as `accords serve` configures it (`SERVER_LIMITS`), on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.socket = bound_socket()
        self.url = url_of(self.socket)
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            loop="asyncio",
            ws="none",
            lifespan="on",
            **SERVER_LIMITS,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.socket.close()


@pytest.fixture
def served(sample_data: Path, fake: Any) -> Iterator[Served]:
    with Served(create_app(service_settings(sample_data), embedder=fake)) as server:
        yield server


def raw_get(url: str, header: bytes) -> bytes:
    """Send GET /health with `header` over a raw socket; whatever comes back before the server closes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while it was still arriving
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return received


def test_the_server_refuses_a_huge_request_head(served: Served) -> None:
    # 20 headers of 7 KiB each pass the app's own limits (count, size of one): only the server's head
    # limit refuses them, while they arrive.
    many = b"\r\n".join(b"X-Part-%d: " % n + b"x" * 7000 for n in range(20))
    for head in (b"X-Big: " + b"x" * (1 << 20), many):
        answer = raw_get(served.url, head)
        assert answer == b"" or answer.split(b" ", 2)[1] in (b"400", b"431"), answer[:200]
    assert httpx.get(f"{served.url}/health", timeout=10, trust_env=False).status_code == 200
    fine = raw_get(served.url, b"X-Fine: " + b"x" * 4000 + b"\r\nConnection: close")
    assert fine.startswith(b"HTTP/1.1 200")


def test_serve_runs_uvicorn_with_the_head_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configs: list[uvicorn.Config] = []
    monkeypatch.setattr(service.app, "create_app", lambda settings: object())
    monkeypatch.setattr(logs, "configure", lambda *args, **kwargs: None, raising=False)  # keep pytest's
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, *args, **kwargs: configs.append(self.config))
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: configs.append(uvicorn.Config(app, **kwargs)))
    result = CliRunner().invoke(cli, ["serve", "--port", "8123"], obj=service_settings(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    assert (configs[0].http, configs[0].h11_max_incomplete_event_size) == ("h11", 64 * 1024)


# ---------------------------------------------------------------------------- F: long non-ASCII names


def test_a_long_non_ascii_file_name_is_staged_under_the_byte_limit(admin: TestClient, tmp_path: Path) -> None:
    name = "条约" * 50 + ".md"  # 100 characters, 300 bytes of UTF-8: over a file system's 255
    response = upload(admin, [(name, NOTE)])
    assert response.status_code == 200, response.text
    [document] = response.json()["documents"]
    assert document["file"] == name and document["status"] == "added"
    assert len(document["id"].encode()) <= 200 and document["id"] == "条约" * 33
    assert admin.get(f"/documents/{document['id']}").json()["title"] == "Harbour Note"


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("é" * 150 + ".md", "é" * 100),  # 2 bytes each: exactly 200
        ("条" * 100 + ".md", "条" * 66),  # 3 bytes each: 198, not half a character more
        ("a" * 300 + ".md", "a" * 100),
        ("ａ" * 120 + ".txt", "a" * 100),  # full-width letters, normalized
    ],
)
def test_stems_are_cut_on_a_character_boundary(name: str, stem: str) -> None:
    assert safe_stem(name) == stem and len(stem.encode("utf-8")) <= 200


@pytest.mark.parametrize(
    "metadata",
    [{"id": "nul\x00id"}, {"title": "Nul\x00Title"}, {"kind": "me\r\nmo"}, {"parties": ["A\x1bB"]}],
)
def test_control_characters_in_stated_metadata_are_a_422(admin: TestClient, metadata: dict[str, Any]) -> None:
    response = upload(admin, [("harbour.md", NOTE)], metadata=metadata)
    assert_error(response, 422, "invalid_request", "control characters")
    assert admin.get("/documents").json()["total"] == 0


def test_a_put_id_with_a_nul_is_a_422(admin: TestClient) -> None:
    response = upload(admin, [("harbour.md", NOTE)], method="PUT", path="/admin/documents/a%00b")
    assert_error(response, 422, "invalid_request", "printable")


# ---------------------------------------------------------------------------- G: /ready's details


def test_ready_tells_only_admins_what_went_wrong(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable() -> str:
        raise StoreUnavailable("cannot reach the Chroma server at http://10.1.2.3:8000 (secret-host)")

    monkeypatch.setattr(admin.app.state.runtime.store, "generation", unreachable)  # type: ignore[attr-defined]
    public = admin.get("/ready")
    assert public.status_code == 503 and public.json()["status"] == "unavailable"
    assert "10.1.2.3" not in public.text and "secret-host" not in public.text
    assert "unreachable" in public.json()["detail"]
    assert "10.1.2.3" in caplog.text  # the operator finds it in the log
    for headers in ({"Authorization": "Bearer wrong"}, {**AUTH, "Origin": "https://evil.example"}):
        assert "10.1.2.3" not in admin.get("/ready", headers=headers).text
    detailed = admin.get("/ready", headers=AUTH)
    assert detailed.status_code == 503 and "10.1.2.3" in detailed.json()["error"]


# ---------------------------------------------------------------------------- H: allowed hosts


def test_allowed_hosts_stop_dns_rebinding(make_client: Callable[..., TestClient]) -> None:
    question = {"question": "What is the minimum flow at the Keld gauging station?"}
    rebound = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}  # Origin == Host
    open_client = make_client()
    assert open_client.post("/chat", json={}, headers=rebound).status_code == 422  # same origin: let in
    client = make_client(allowed_hosts="testserver, accords.example.org")
    assert client.post("/chat", json=question, headers=rebound).status_code == 400
    assert client.get("/health", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/health", headers={"Host": "accords.example.org"}).status_code == 200
    assert client.get("/health").status_code == 200  # testserver


# ---------------------------------------------------------------------------- I: orphans, vocabulary


def ghost_chunks(store: Any, fake: Any, count: int) -> None:
    """Chunks of a version never committed: what a crash between writing and committing leaves."""
    record = DocumentRecord(
        doc_id="ghost", version="0" * 16, title="Ghost", date=None, kind=None, url=None, parties=(),
        chunks=count, source_path="/ghost.md", format="md", extra={}, ingested_at="2026-01-01T00:00:00+00:00",
    )  # fmt: skip
    texts = [f"ghost passage number {n}" for n in range(count)]
    chunks = [
        Chunk(n, text, 0, len(text), "Ghost", None, text, ((0, len(text)),)) for n, text in enumerate(texts)
    ]
    vectors, sentence_vectors = fake.embed_passages(texts, [c.sentences for c in chunks])
    store.write_chunks([(record, c) for c in chunks], vectors, sentence_vectors)


def test_an_update_does_not_count_the_old_version_as_orphans(admin: TestClient, fake: Any) -> None:
    assert upload(admin, [("harbour.md", NOTE)]).json()["orphans_removed"] == 0
    changed = NOTE.replace(b"two new cranes", b"three new cranes")
    updated = upload(admin, [("harbour.md", changed)]).json()
    assert updated["updated"] == 1 and updated["orphans_removed"] == 0
    ghost_chunks(admin.app.state.runtime.store, fake, 2)  # type: ignore[attr-defined]
    again = upload(admin, [("harbour.md", NOTE)]).json()
    assert again["updated"] == 1 and again["orphans_removed"] == 2  # crash leftovers still count


def test_deleting_documents_shrinks_the_lexical_vocabulary(admin: TestClient) -> None:
    words = " ".join(f"zorblat{n}" for n in range(400))
    big = f"---\ntitle: Word List\n---\n\nThe list reads {words}.\n".encode()
    assert upload(admin, [("words.md", big), ("harbour.md", NOTE)]).status_code == 200
    view = admin.app.state.runtime.view  # type: ignore[attr-defined]
    grown = len(view._vocabulary.ids)
    assert grown > 400
    assert admin.delete("/admin/documents/words", headers=AUTH).status_code == 200
    view.catch_up()
    shrunk = len(view._vocabulary.ids)
    assert shrunk < grown / 2, (grown, shrunk)
    assert "zorblat7" not in view._vocabulary.ids
    hits = view.lexical.search("cranes Velmora harbour", 5)  # the remaining passages keep their terms
    assert hits and hits[0].doc_id == "harbour"
    assert bool(np.all(view.lexical.used_terms()))
