"""PUT /admin/documents/{id} (replace one document, keeping its id) and DELETE /admin/documents/{id}."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ingest.store import writer_lock
from tests.conftest import SAMPLES
from tests.service.admin_support import AUTH, TOKEN, assert_error, copy_store, ids, upload

TREATY = "northwater-basin-treaty"
QUESTION = {"question": "What is the minimum flow at the Keld gauging station?"}


@pytest.fixture
def data_dir(sample_data: Path, tmp_path: Path) -> Path:
    return copy_store(sample_data, tmp_path)


@pytest.fixture
def admin(make_client: Callable[..., TestClient], data_dir: Path) -> TestClient:
    # A long refresh interval: whatever the routes change must show at once, not at the view's next poll.
    return make_client(data_dir=data_dir, admin_token=TOKEN, refresh_interval_s=3600)


def revised_treaty() -> bytes:
    text = (SAMPLES / f"{TREATY}.md").read_text(encoding="utf-8")
    assert "42 cubic metres per second" in text
    return text.replace("42 cubic metres per second", "57 cubic metres per second").encode()


def test_put_replaces_a_document_and_keeps_its_id(admin: TestClient) -> None:
    before = admin.get(f"/documents/{TREATY}").json()
    response = upload(
        admin, [("any-name.md", revised_treaty())], method="PUT", path=f"/admin/documents/{TREATY}"
    )
    assert response.status_code == 200, response.text
    assert [(d["id"], d["status"]) for d in response.json()["documents"]] == [(TREATY, "updated")]
    after = admin.get(f"/documents/{TREATY}").json()
    assert after["content_hash"] != before["content_hash"] and after["title"] == before["title"]
    admin.app.state.runtime.view.wait_for_lexical()  # type: ignore[attr-defined]
    answer = admin.post("/chat", json=QUESTION).json()
    texts = " ".join(s["text"] for s in answer["sources"] if s["document_id"] == TREATY)
    assert "57 cubic metres" in texts and "42 cubic metres" not in texts
    assert admin.get("/documents").json()["total"] == 8


def test_put_wins_over_an_id_the_file_states(admin: TestClient) -> None:
    stated = b"---\nid: something-else\ntitle: Ferry Note\n---\n\nA ferry will sail from Port Ellery.\n"
    response = upload(admin, [("ferry.md", stated)], method="PUT", path="/admin/documents/notes/ferry")
    assert response.status_code == 201, response.text  # a new document
    assert ids(response.json()["documents"]) == ["notes/ferry"]
    assert admin.get("/documents/something-else").status_code == 404
    same = upload(
        admin,
        [("ferry.md", stated)],
        {"title": "Ferry Note"},
        method="PUT",
        path="/admin/documents/notes/ferry",
    )
    assert same.status_code == 200 and same.json()["documents"][0]["status"] == "unchanged"


@pytest.mark.parametrize(
    ("files", "metadata", "message"),
    [
        ([("a.md", b"One."), ("b.md", b"Two.")], None, "exactly one file"),
        ([("a.md", b"One.")], {"id": "other"}, "differs from the id in the URL"),
    ],
)
def test_put_refuses_what_cannot_replace_one_document(
    admin: TestClient, files: list[tuple[str, bytes]], metadata: object, message: str
) -> None:
    before = admin.get(f"/documents/{TREATY}").json()["content_hash"]
    response = upload(admin, files, metadata, method="PUT", path=f"/admin/documents/{TREATY}")
    assert_error(response, 422, "invalid_request", message)
    assert admin.get(f"/documents/{TREATY}").json()["content_hash"] == before


def test_delete_removes_a_document_at_once(admin: TestClient) -> None:
    response = admin.delete(f"/admin/documents/{TREATY}", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == TREATY and response.json()["status"] == "deleted"
    assert admin.get(f"/documents/{TREATY}").status_code == 404
    assert admin.get("/documents").json()["total"] == 7
    answer = admin.post("/chat", json=QUESTION).json()  # the lexical index may lag: never a stale hit
    assert all(source["document_id"] != TREATY for source in answer["sources"])
    assert_error(admin.delete(f"/admin/documents/{TREATY}", headers=AUTH), 404, "not_found", TREATY)


def test_delete_takes_ids_with_slashes(admin: TestClient) -> None:
    assert admin.delete("/admin/documents/notes/lighthouse-memo", headers=AUTH).status_code == 200
    assert admin.get("/documents/notes/lighthouse-memo").status_code == 404


def test_a_write_while_another_process_holds_the_store_is_a_409(admin: TestClient, data_dir: Path) -> None:
    settings = admin.app.state.settings  # type: ignore[attr-defined]
    with writer_lock(settings):  # as a running `accords ingest` would
        busy = admin.delete(f"/admin/documents/{TREATY}", headers=AUTH)
        refused = upload(admin, [("a.md", b"The harbour of Velmora.")])
    body = assert_error(busy, 409, "writer_busy", "another ingest is writing")
    assert busy.headers["retry-after"] and body["detail"]
    assert_error(refused, 409, "writer_busy")
    assert admin.get(f"/documents/{TREATY}").status_code == 200
    assert list((data_dir / "uploads").iterdir()) == []


def test_put_needs_a_real_id(admin: TestClient) -> None:
    response = upload(
        admin, [("a.md", b"The harbour of Velmora.")], method="PUT", path="/admin/documents/%20"
    )
    assert_error(response, 422, "invalid_request", "1-300 characters")
