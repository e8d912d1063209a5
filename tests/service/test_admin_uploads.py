"""POST /admin/documents: uploads in every format, metadata, limits, hostile names, bad bodies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from harness import HashingEmbedder
from tests.service.admin_support import (
    AUTH,
    SAMPLE_FILES,
    TOKEN,
    assert_error,
    ids,
    sample,
    staged_leftovers,
    upload,
)

NOTE = b"---\ntitle: Harbour Note\n---\n\nThe harbour of Velmora will gain two new cranes in 2025.\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def admin(make_client: Callable[..., TestClient], data_dir: Path) -> TestClient:
    return make_client(data_dir=data_dir, admin_token=TOKEN, upload_max_bytes=64 * 1024, upload_max_files=3)


@pytest.mark.parametrize("kind", sorted(SAMPLE_FILES))
def test_each_format_goes_in_and_is_answerable(admin: TestClient, data_dir: Path, kind: str) -> None:
    name, doc_id, question = SAMPLE_FILES[kind]
    response = upload(admin, [sample(name)])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["added"], body["failed"]) == (1, 0)
    [document] = body["documents"]
    assert (document["file"], document["id"], document["status"]) == (name, doc_id, "added")
    assert document["chunks"] > 0 and body["chunks"] == document["chunks"]
    detail = admin.get(f"/documents/{doc_id}").json()  # listed at once: the view was refreshed
    assert detail["format"] == {"md": "markdown"}.get(kind, kind) and detail["chunks"] == document["chunks"]
    assert staged_leftovers(data_dir) == []
    answer = admin.post("/chat", json={"question": question}).json()
    assert answer["found"] and {s["document_id"] for s in answer["sources"]} == {doc_id}


def test_several_files_at_once_and_again_unchanged(admin: TestClient, fake: HashingEmbedder) -> None:
    files = [sample(SAMPLE_FILES["md"][0]), ("harbour.md", NOTE)]
    first = upload(admin, files).json()
    assert ids(first["documents"]) == ["northwater-basin-treaty", "harbour"] and first["added"] == 2
    embedded = fake.embedded
    again = upload(admin, files).json()
    assert (again["unchanged"], again["embeddings"]) == (2, 0) and fake.embedded == embedded
    answer = admin.post("/chat", json={"question": "How many new cranes will the harbour of Velmora gain?"})
    assert answer.json()["found"] and answer.json()["sources"][0]["document_id"] == "harbour"


def test_metadata_wins_over_what_the_file_states(admin: TestClient) -> None:
    metadata = {
        "id": "notes/harbour-2025",
        "title": "Velmora Harbour Works",
        "date": "2025-03-01",
        "kind": "fact sheet",
        "url": "https://example.org/harbour",
        "parties": ["Velmora", " Port Authority "],
    }
    response = upload(admin, [("harbour.md", NOTE)], metadata)
    assert response.status_code == 200, response.text
    assert ids(response.json()["documents"]) == ["notes/harbour-2025"]
    detail = admin.get("/documents/notes/harbour-2025").json()
    assert (detail["title"], detail["date"], detail["kind"]) == (
        "Velmora Harbour Works",
        "2025-03-01",
        "fact sheet",
    )
    assert (detail["url"], detail["parties"]) == (
        "https://example.org/harbour",
        ["Velmora", "Port Authority"],
    )
    retitled = upload(admin, [("harbour.md", NOTE)], {**metadata, "title": "Velmora Harbour"}).json()
    assert retitled["documents"][0]["status"] == "updated"  # metadata is part of the content hash


def test_a_metadata_list_goes_file_by_file(admin: TestClient) -> None:
    files = [("a.md", NOTE), ("b.md", NOTE.replace(b"two", b"three"))]
    response = upload(admin, files, [{"kind": "memo"}, None])
    assert response.status_code == 200, response.text
    assert admin.get("/documents/a").json()["kind"] == "memo"
    assert admin.get("/documents/b").json()["kind"] is None
    shared = upload(admin, [("c.md", NOTE), ("d.md", NOTE + b"More.\n")], {"kind": "note"})
    assert shared.status_code == 200 and admin.get("/documents/d").json()["kind"] == "note"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ("{not json", "not valid JSON"),
        ([{"kind": "memo"}], "a list of 1 entries for 2 files"),
        ({"id": "same"}, "cannot hold an `id`"),
        ({"author": "x"}, "author"),
        ({"date": "March 2025"}, "date"),
        ({"url": "javascript:alert(1)"}, "url"),
        ([{"parties": ["", "x"]}, None], "[0].parties"),
        ([1, None], "entry[0] must be an object"),
        ('"a string"', "send a JSON object"),
    ],
)
def test_bad_metadata_refuses_the_request(
    admin: TestClient, data_dir: Path, metadata: object, message: str
) -> None:
    response = upload(admin, [("a.md", NOTE), ("b.md", NOTE)], metadata)
    assert_error(response, 422, "invalid_request", "metadata", message)
    assert admin.get("/documents").json()["total"] == 0 and staged_leftovers(data_dir) == []


def test_a_file_over_the_limit_is_a_413_naming_it(admin: TestClient, data_dir: Path) -> None:
    big = b"Velmora harbour cranes. " * (70 * 1024 // 24)
    response = upload(admin, [("small.md", NOTE), ("huge-report.md", big)])
    body = assert_error(
        response, 413, "too_large", "huge-report.md", str(64 * 1024), "ACCORDS_UPLOAD_MAX_BYTES"
    )
    assert body["file"] == "huge-report.md"
    assert admin.get("/documents").json()["total"] == 0 and staged_leftovers(data_dir) == []


def test_too_many_files_is_a_413(admin: TestClient) -> None:
    response = upload(admin, [(f"n{i}.md", NOTE) for i in range(4)])
    assert_error(response, 413, "too_large", "at most 3")


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("tool.exe", "'.exe'"),
        ("data.json", "'.json'"),
        ("README", "(no file extension)"),
        (".md", "(no file"),
    ],
)
def test_an_unsupported_format_is_a_415_with_the_reason(admin: TestClient, name: str, shown: str) -> None:
    body = assert_error(
        upload(admin, [("ok.md", NOTE), (name, b"MZ...")]), 415, "unsupported_format", name, shown
    )
    assert ".docx" in body["detail"] and body["file"] == name
    assert admin.get("/documents").json()["total"] == 0


def test_an_unreadable_file_is_reported_with_its_reason(admin: TestClient) -> None:
    response = upload(admin, [("broken.pdf", b"%PDF-1.7 this is not a PDF")])
    body = assert_error(response, 422, "ingest_failed", "broken.pdf")
    assert body["documents"][0]["status"] == "failed" and "PDF" in body["documents"][0]["reason"]
    mixed = upload(admin, [("broken.pdf", b"%PDF-1.7 nope"), ("good.md", NOTE)])
    assert mixed.status_code == 200 and (mixed.json()["added"], mixed.json()["failed"]) == (1, 1)


def test_empty_files_are_refused(admin: TestClient) -> None:
    body = assert_error(upload(admin, [("ok.md", NOTE), ("empty.md", b"")]), 422, "empty_file", "empty.md")
    assert body["file"] == "empty.md" and admin.get("/documents").json()["total"] == 0
    blank = upload(admin, [("blank.md", b"  \n\n \n")])  # not empty, but no text: the pipeline says so
    assert_error(blank, 422, "ingest_failed", "blank.md", "empty")


@pytest.mark.parametrize(
    ("filename", "doc_id"),
    [
        ("../../etc/passwd.md", "passwd"),
        ("a/b.md", "b"),
        ("..\\..\\windows\\win.ini.md", "win.ini"),
        ("/etc/cron.d/job.md", "job"),
        ("....md", None),
        ("..%2f..%2fescape.md", "2f..-2fescape"),
        ("report (final) v2.MD", "report-final-v2"),
        ("Vertrag über Fischerei.md", "Vertrag-über-Fischerei"),
        ("line\r\nbreak.md", None),
    ],
)
def test_hostile_file_names_never_become_paths(
    admin: TestClient, tmp_path: Path, data_dir: Path, filename: str, doc_id: str | None
) -> None:
    before = sorted(p for p in tmp_path.rglob("*") if data_dir not in p.parents)
    response = upload(admin, [(filename, NOTE)])
    assert response.status_code == 200, response.text
    [document] = response.json()["documents"]
    got = document["id"]
    if doc_id is not None:
        assert got == doc_id
    assert "/" not in got and "\\" not in got and not got.startswith(".") and got.strip() == got
    assert sorted(p for p in tmp_path.rglob("*") if data_dir not in p.parents) == before
    assert not Path("/etc/passwd.md").exists() and staged_leftovers(data_dir) == []
    assert admin.get(f"/documents/{got}").json()["title"] == "Harbour Note"


def test_the_title_falls_back_to_the_file_name_not_the_staged_one(admin: TestClient) -> None:
    upload(admin, [("velmora_harbour-works.md", b"The harbour of Velmora will gain two cranes.\n")])
    assert admin.get("/documents/velmora_harbour-works").json()["title"] == "velmora harbour works"


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "message"),
    [
        ({"json": {"files": []}}, 415, "unsupported_media_type", "multipart/form-data"),
        (
            {"data": {"metadata": "{}"}, "files": {"x": ("", b"")}},
            422,
            "invalid_request",
            "unknown form field 'x'",
        ),
        ({"files": [("file", ("a.md", NOTE))]}, 422, "invalid_request", "unknown form field 'file'"),
        (
            {"data": {"files": "not a file"}, "files": {"x": ("", b"")}},
            422,
            "invalid_request",
            "must be a file",
        ),
        ({"data": {"metadata": "{}"}, "files": {"metadata": ("m.json", b"{}")}}, 422, "invalid_request", ""),
    ],
)
def test_bodies_that_are_not_an_upload(
    admin: TestClient, kwargs: dict[str, object], status: int, code: str, message: str
) -> None:
    assert_error(admin.post("/admin/documents", headers=AUTH, **kwargs), status, code, message)  # type: ignore[arg-type]


def test_a_form_without_files_is_a_422(admin: TestClient) -> None:
    body = '--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}\r\n--b--\r\n'
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b"}
    assert_error(
        admin.post("/admin/documents", content=body, headers=headers), 422, "invalid_request", "files"
    )


def test_a_truncated_body_is_a_400(admin: TestClient, data_dir: Path) -> None:
    body = '--b\r\nContent-Disposition: form-data; name="files"; filename="a.md"\r\n\r\nThe harbour'
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=b"}
    assert_error(admin.post("/admin/documents", content=body, headers=headers), 400, "bad_request", "ended")
    assert staged_leftovers(data_dir) == []


def test_the_body_limit_still_guards_every_other_route(admin: TestClient) -> None:
    big = {"path": "x" * 70_000}
    assert admin.post("/admin/ingest-jobs", json=big, headers=AUTH).status_code == 413
    assert admin.post("/chat", json={"question": "q" * 70_000}).status_code == 413
