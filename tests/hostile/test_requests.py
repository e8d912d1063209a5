"""Hostile requests to the running service: deep JSON, huge request heads, names that climb out of the
staging folder or carry NUL bytes or 300 bytes of CJK, admin calls without a token, foreign Host
headers. Each gets a 4xx (or, for a name that can be made safe, a 200 under a safe id), never a 5xx."""

from __future__ import annotations

import json

import pytest

from tests.service.admin_support import TOKEN, upload

from .builders import nested, send_head, send_heads_at_once, send_raw, status_of
from .conftest import AUTH, Target
from .tally import TALLY

pytestmark = pytest.mark.slow

NOTE = b"---\ntitle: Harbour Note\n---\n\nThe harbour of Velmora will gain two new cranes in 2025.\n"
JSON = {"Content-Type": "application/json"}
DEEP = nested(1000)  # 2 KB: a RecursionError in a recursive parser


def test_deep_json_is_refused_on_every_json_route(target: Target) -> None:
    bodies = {
        "/v1/chat/completions": '{"model": "accords", "messages": ' + DEEP + "}",
        "/chat": '{"question": ' + DEEP + "}",
        "/chat/stream": '{"question": "Which cranes?", "filters": ' + DEEP + "}",
        "/admin/ingest-jobs": '{"path": ' + DEEP + "}",
    }
    with target.unchanged():
        for path, body in bodies.items():
            response = target.attack.post(path, content=body, headers={**JSON, **AUTH})
            assert response.status_code == 400, (path, response.text)
        metadata = '{"parties": ' + DEEP + "}"
        response = upload(target.attack, [("harbour.md", NOTE)], metadata=metadata, headers=AUTH)
        assert response.status_code == 422 and "levels deep" in response.json()["detail"], response.text


def test_a_64_mib_header_is_refused_while_it_arrives(target: Target) -> None:
    for answer in [send_head(target.url, b"X-Big", 64), *send_heads_at_once(target.url, 8, 64)]:
        status = status_of(answer)
        assert status in (None, 400, 431), answer[:300]  # None: closed on it, refused unread
        TALLY.record("GET /health with a 64 MiB header", status or 0)
    assert target.server.http.get("/health").status_code == 200


def test_many_or_large_headers_get_a_431(target: Target) -> None:
    many = {f"X-Filler-{n}": "x" for n in range(200)}
    assert target.attack.get("/health", headers=many).status_code == 431
    assert target.attack.get("/health", headers={"X-One": "x" * 20_000}).status_code == 431
    # 20 headers of 7 KiB: each under the app's limit for one, together over the server's for a head.
    head = b"\r\n".join(b"X-Part-%d: " % n + b"x" * 7000 for n in range(20))
    status = status_of(
        send_raw(target.url, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head + b"\r\n\r\n")
    )
    assert status in (None, 400, 431), status
    TALLY.record("GET /health with 20 headers of 7 KiB", status or 0)


def test_a_100_character_cjk_name_is_stored_under_a_short_id(target: Target) -> None:
    name = "条约" * 50 + ".md"  # 100 characters, 300 bytes: more than a file system's 255
    response = upload(target.attack, [(name, NOTE)], headers=AUTH)
    assert response.status_code == 200, response.text
    [document] = response.json()["documents"]
    assert document["status"] == "added" and len(document["id"].encode()) <= 200
    assert target.server.http.get(f"/documents/{document['id']}").json()["title"] == "Harbour Note"


@pytest.mark.parametrize(
    "name",
    ["../../escape.md", "/tmp/escape-absolute.md", "..\\..\\escape-backslash.md", "C:\\Windows\\escape.md"],
)
def test_names_that_climb_out_stay_inside(target: Target, name: str) -> None:
    response = upload(target.attack, [(name, NOTE)], headers=AUTH)
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code == 200:
        [document] = response.json()["documents"]
        assert ".." not in document["id"] and not document["id"].startswith(("/", "\\"))
        assert "/" not in document["id"] and "\\" not in document["id"], document
    outside = [target.data_dir.parent / "escape.md", target.data_dir.parent.parent / "escape.md"]
    assert not any(path.exists() for path in outside)


def test_job_paths_that_climb_out_are_refused(target: Target) -> None:
    with target.unchanged():
        for path in ("../", "/etc", "..\\..", "a/../../b", "x\x00y"):
            response = target.attack.post("/admin/ingest-jobs", json={"path": path}, headers=AUTH)
            assert response.status_code in (400, 404, 422), (path, response.text)


def test_nul_bytes_are_data_or_a_4xx(target: Target) -> None:
    with target.unchanged():
        question = target.attack.post("/chat", json={"question": "Which cranes\x00 will the harbour gain?"})
        assert question.status_code in (200, 400, 422), question.text
        raw = target.attack.post("/chat", content=b'{"question": "a\x00b"}', headers=JSON)
        assert raw.status_code in (400, 422), raw.text
        openai = {"model": "accords", "messages": [{"role": "user", "content": "cranes\x00?"}]}
        assert target.attack.post("/v1/chat/completions", json=openai).status_code in (200, 400, 422)
        assert target.attack.get("/documents/harbour%00note").status_code == 404
        assert target.attack.get("/documents/harbour%00note/text").status_code == 404
        metadata = json.dumps({"title": "Nul\x00Title", "id": "nul\x00id"})
        nul_metadata = upload(target.attack, [("harbour.md", NOTE)], metadata=metadata, headers=AUTH)
        assert nul_metadata.status_code in (400, 422), nul_metadata.text
        put = upload(
            target.attack, [("harbour.md", NOTE)], headers=AUTH, method="PUT", path="/admin/documents/a%00b"
        )
        assert put.status_code in (400, 404, 422), put.text
    # A NUL in a file name, sent raw (httpx would percent-encode it): refused, or made into a safe id.
    for name in (b"harbour\x00.md", b"\x00", b"..\x00/x.md"):
        body = (
            b'--b0\r\nContent-Disposition: form-data; name="files"; filename="' + name + b'"\r\n'
            b"Content-Type: text/markdown\r\n\r\n" + NOTE + b"\r\n--b0--\r\n"
        )
        headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b0"}
        response = target.attack.post("/admin/documents", content=body, headers=headers)
        assert response.status_code in (200, 400, 415, 422), response.text
        if response.status_code == 200:
            assert all(c.isprintable() and c not in "/\\" for c in response.json()["documents"][0]["id"])


def test_the_token_is_checked_before_the_body_is_read(target: Target) -> None:
    with target.unchanged():
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
            for content in (b'{"path": ', b"path=.", b'{"path": ' + DEEP.encode() + b"}"):
                response = target.attack.post(
                    "/admin/ingest-jobs", content=content, headers={**JSON, **headers}
                )
                assert response.status_code == 401, response.text
        anonymous_upload = upload(target.attack, [("harbour.md", NOTE)], headers={})
        assert anonymous_upload.status_code == 401


def test_a_token_read_with_its_trailing_newline_still_works(target: Target) -> None:
    # The service was started with ACCORDS_ADMIN_TOKEN="<token>\n" (a mounted secret file).
    assert target.attack.get("/admin/ingest-jobs", headers=AUTH).status_code == 200
    newline = target.attack.get("/admin/ingest-jobs", headers={"Authorization": f"Bearer {TOKEN}\\n"})
    assert newline.status_code == 401


def test_ready_tells_anonymous_callers_nothing_internal(target: Target) -> None:
    for headers in ({}, {"Origin": "https://evil.example"}, {"Authorization": "Bearer wrong"}):
        response = target.attack.get("/ready", headers=headers)
        assert response.status_code == 200 and set(response.json()) <= {"status", "documents"}, response.text


def test_foreign_host_headers_are_refused(target: Target) -> None:
    rebound = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}  # Origin == Host
    with target.unchanged():
        assert (
            target.attack.post("/chat", json={"question": "Which cranes?"}, headers=rebound).status_code
            == 400
        )
        assert target.attack.get("/health", headers={"Host": "evil.example"}).status_code == 400
        assert target.attack.get("/documents", headers={"Host": "attacker.test"}).status_code == 400
        admin = {**AUTH, **rebound}
        assert upload(target.attack, [("harbour.md", NOTE)], headers=admin).status_code == 400


def test_a_chat_body_sent_as_text_plain_is_refused(target: Target) -> None:
    for path in ("/chat", "/chat/stream", "/v1/chat/completions"):
        body = '{"question": "Which cranes?", "model": "accords", "messages": []}'
        response = target.attack.post(path, content=body, headers={"Content-Type": "text/plain"})
        assert response.status_code == 415, (path, response.text)
