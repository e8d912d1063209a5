"""Upload limits over a real socket (uvicorn on 127.0.0.1): a body over a limit is cut off while it streams
in, and a declared size over the cap, or a missing token, is answered before any of the body is read.

The in-process test client reads a request body whole before the app sees it, so these need real I/O.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import HashingEmbedder, UvicornThread
from service.app import create_app
from tests.service.admin_support import AUTH, TOKEN, staged_leftovers
from tests.service.conftest import service_settings

MiB = 1024 * 1024
LIMIT = 256 * 1024
BOUNDARY = "streamtest"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fake: HashingEmbedder) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("admin-streaming") / "data"
    settings = service_settings(data, admin_token=TOKEN, upload_max_bytes=LIMIT, upload_max_files=2)
    with UvicornThread(create_app(settings, embedder=fake)) as running:
        yield running.url, data


def multipart_stream(filename: str, size: int, sent: list[int]) -> Iterator[bytes]:
    """One file part of `size` bytes, produced lazily; `sent` counts what the client was asked for."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
        "Content-Type: text/markdown\r\n\r\n"
    ).encode()
    yield head
    piece = b"The harbour of Velmora will gain two new cranes.\n" * 1300  # about 64 KiB
    produced = 0
    while produced < size:
        chunk = piece[: size - produced]
        produced += len(chunk)
        sent[0] += len(chunk)
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_an_oversized_file_is_cut_off_while_it_streams(server: tuple[str, Path]) -> None:
    url, data = server
    sent = [0]
    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        response = http.post(
            "/admin/documents", content=multipart_stream("huge.md", 200 * MiB, sent), headers=headers
        )
    assert response.status_code == 413, response.text
    assert response.json()["file"] == "huge.md" and "huge.md" in response.json()["detail"]
    assert sent[0] < 20 * MiB, f"the client got to send {sent[0]} bytes of a 200 MiB file"
    assert staged_leftovers(data) == []


def test_a_file_just_under_the_limit_goes_in(server: tuple[str, Path]) -> None:
    url, data = server
    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    with httpx.Client(base_url=url, timeout=60, trust_env=False) as http:
        body = b"".join(multipart_stream("cranes.md", LIMIT, [0]))
        response = http.post("/admin/documents", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["documents"][0]["id"] == "cranes"
    assert staged_leftovers(data) == []


def raw_request(url: str, headers: dict[str, str]) -> bytes:
    """Send only the head of a POST /admin/documents announcing a 10 GB body; return what comes back."""
    host, port = url.removeprefix("http://").split(":")
    lines = [
        "POST /admin/documents HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
        f"Content-Length: {10 * 1024**3}",
        "Expect: 100-continue",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        received = b""
        while b"\r\n\r\n" not in received or b'"}' not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


@pytest.mark.parametrize(
    ("headers", "status"), [({}, b"401"), (AUTH, b"413"), ({"Authorization": "Bearer pk_abc"}, b"403")]
)
def test_a_refusal_comes_before_the_body_is_read(
    server: tuple[str, Path], headers: dict[str, str], status: bytes
) -> None:
    answer = raw_request(server[0], headers)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"100 Continue" not in answer  # the client was never invited to send the 10 GB


def test_a_body_that_is_not_multipart_is_refused_early(server: tuple[str, Path]) -> None:
    sent = [0]

    def preamble() -> Iterator[bytes]:
        for _ in range(200):
            sent[0] += 64 * 1024
            yield b"x" * 64 * 1024

    headers = {**AUTH, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    with httpx.Client(base_url=server[0], timeout=60, trust_env=False) as http:
        response = http.post("/admin/documents", content=preamble(), headers=headers)
    assert response.status_code == 400 and "malformed" in response.json()["detail"]
    assert sent[0] < 200 * 64 * 1024 / 2
