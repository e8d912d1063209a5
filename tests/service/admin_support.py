"""Helpers for the admin API tests: the token, private data dirs, uploads and job polling.

Every admin test writes, so each works on its own data dir: empty, or a copy of the session's sample
store (copying a Chroma folder nobody is writing to takes milliseconds; ingesting it again a second).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES

TOKEN = "admin-token-for-the-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SAMPLE_FILES = {  # format: (file in samples/, its document id, a question it answers)
    "md": (
        "northwater-basin-treaty.md",
        "northwater-basin-treaty",
        "What is the minimum flow at the Keld gauging station?",
    ),
    "html": (
        "korvath-sarn-digital-trade-statement.html",
        "korvath-sarn-digital-trade-statement",
        "When will e-invoicing be interoperable?",
    ),
    "pdf": (
        "sarn-korvath-clean-energy-plan.pdf",
        "sarn-korvath-clean-energy-plan",
        "What is the capacity of the Skarholm offshore wind array?",
    ),
    "docx": (
        "aldermere-tessaly-fisheries-mou.docx",
        "aldermere-tessaly-fisheries-mou",
        "What is the herring quota for 2025?",
    ),
}
Upload = tuple[str, bytes]  # (file name as the client sends it, content)


def sample(name: str) -> Upload:
    return name, (SAMPLES / name).read_bytes()


def copy_store(sample_data: Path, tmp_path: Path) -> Path:
    """A private copy of the session's sample store (8 documents)."""
    target = tmp_path / "data"
    shutil.copytree(sample_data, target)
    return target


def upload(
    client: httpx.Client | TestClient,
    files: Iterable[Upload],
    metadata: Any = None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/admin/documents",
) -> httpx.Response:
    parts: list[tuple[str, Any]] = [("files", (name, content)) for name, content in files]
    data = {"metadata": metadata if isinstance(metadata, str) else json.dumps(metadata)}
    return client.request(
        method,
        path,
        files=parts,
        data=data if metadata is not None else None,
        headers=AUTH if headers is None else headers,
    )


def wait_for_job(client: httpx.Client | TestClient, location: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get(location, headers=AUTH).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, f"job not done after {timeout} s: {job}"
        time.sleep(0.02)


def start_job(client: httpx.Client | TestClient, path: str, prune: bool = False) -> str:
    response = client.post("/admin/ingest-jobs", json={"path": path, "prune": prune}, headers=AUTH)
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    assert location == f"/admin/ingest-jobs/{response.json()['id']}"
    return location


def staged_leftovers(data_dir: Path) -> list[Path]:
    """Whatever uploads left in the staging area (nothing, once each request is answered)."""
    uploads = data_dir / "uploads"
    return sorted(uploads.rglob("*")) if uploads.exists() else []


def assert_error(response: httpx.Response, status: int, code: str, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    for fragment in fragments:
        assert fragment in body["detail"], body
    return body


def ids(documents: Sequence[dict[str, Any]]) -> list[str]:
    return [document["id"] for document in documents]
