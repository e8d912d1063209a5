"""Hostile files: uploaded to the running service, and in a folder given to `accords ingest`.

Each is refused with a reason (422 `ingest_failed` naming it, or a failed/skipped line in the CLI's
summary), in bounded memory, and leaves the store as it was: above all, a new version that fails to
load never costs the document already stored under its name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness import store_settings
from ingest.store import open_store
from tests.service.admin_support import upload

from .builders import (
    EMPTY_PAGE,
    GIB,
    HARBOUR_PAGE,
    alias_bomb,
    corrupt_pdf,
    docx_bomb,
    encrypted_pdf,
    truncated_pdf,
    write_files,
)
from .conftest import AUTH, Target, ingest_measured
from .tally import MB, PEAK_OVER_IDLE_BYTES, TALLY

pytestmark = pytest.mark.slow

NOTE = "---\ntitle: Grid Note\n---\n\nThe committee shares grid data every spring.\n"
DEEP_PAGE = "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4.7 MB Word document whose document.xml inflates to 1 GiB (streamed out: ~2 s, little memory)."""
    return docx_bomb(tmp_path_factory.mktemp("bomb") / "bomb.docx", GIB)


@pytest.fixture(scope="module")
def lying_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bomb whose zip directory says document.xml is 1,000 bytes: only inflating it shows 256 MiB."""
    return docx_bomb(tmp_path_factory.mktemp("bomb") / "lying-bomb.docx", GIB // 4, understate=True)


HOSTILE_FILES: dict[str, Callable[[], bytes | str]] = {
    "alias-bomb.md": alias_bomb,
    "encrypted.pdf": encrypted_pdf,
    "truncated.pdf": truncated_pdf,
    "corrupt.pdf": corrupt_pdf,
    "deep.html": lambda: DEEP_PAGE,
    "empty.html": lambda: EMPTY_PAGE,
    "nothing.md": lambda: "",
}


def refused(response: Any, file: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "ingest_failed" and body["added"] == 0, body
    [document] = body["documents"]
    assert document["file"] == file and document["status"] in ("failed", "skipped") and document["reason"]
    return str(document["reason"])


def test_a_docx_bomb_upload_is_refused_before_it_inflates(
    target: Target, bomb: Path, lying_bomb: Path
) -> None:
    with target.unchanged():
        reason = refused(upload(target.attack, [("bomb.docx", bomb.read_bytes())], headers=AUTH), "bomb.docx")
        assert "budget" in reason, reason
        lying = upload(target.attack, [("lying-bomb.docx", lying_bomb.read_bytes())], headers=AUTH)
        assert refused(lying, "lying-bomb.docx"), lying.text
        # The same bomb as the new version of a stored document: refused, the stored version kept.
        replaced = upload(
            target.attack,
            [("bomb.docx", bomb.read_bytes())],
            headers=AUTH,
            method="PUT",
            path="/admin/documents/aldermere-tessaly-fisheries-mou",
        )
        refused(replaced, "bomb.docx")


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_a_hostile_file_upload_is_refused_with_a_reason(target: Target, name: str) -> None:
    content = HOSTILE_FILES[name]()
    data = content.encode() if isinstance(content, str) else content
    with target.unchanged():
        response = upload(target.attack, [(name, data)], headers=AUTH)
        if name == "nothing.md":  # an empty file is refused before it is staged
            assert (response.status_code, response.json()["code"]) == (422, "empty_file"), response.text
        else:
            refused(response, name)


def test_a_page_that_parses_empty_does_not_delete_its_document(target: Target) -> None:
    added = upload(target.attack, [("harbour-accord.html", HARBOUR_PAGE.encode())], headers=AUTH)
    assert added.status_code == 200 and added.json()["added"] == 1, added.text
    with target.unchanged():
        refused(
            upload(target.attack, [("harbour-accord.html", EMPTY_PAGE.encode())], headers=AUTH),
            "harbour-accord.html",
        )
    assert target.server.http.get("/documents/harbour-accord").status_code == 200


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_accords_ingest_reports_every_hostile_file_and_keeps_the_stored_ones(
    tmp_path: Path, bomb: Path, lying_bomb: Path, embeddings_env: dict[str, str]
) -> None:
    data = tmp_path / "data"
    folder = write_files(tmp_path / "folder", {"harbour.html": HARBOUR_PAGE, "note.md": NOTE})
    baseline = ingest_measured(data, folder, embeddings_env, "of 2 plain files")
    assert baseline["added"] == 2, baseline

    # The second run: the same folder with every hostile file added and the page's new version empty.
    write_files(folder, {name: build() for name, build in HOSTILE_FILES.items()})
    (folder / "harbour.html").write_text(EMPTY_PAGE, encoding="utf-8")
    (folder / "bomb.docx").write_bytes(bomb.read_bytes())
    (folder / "lying-bomb.docx").write_bytes(lying_bomb.read_bytes())
    os.mkfifo(folder / "pipe.md")
    summary = ingest_measured(data, folder, embeddings_env, "of the hostile folder")
    outcomes = {Path(f["path"]).name: f for f in summary["files"]}
    for name in [*HOSTILE_FILES, "harbour.html", "bomb.docx", "lying-bomb.docx", "pipe.md"]:
        assert outcomes[name]["status"] in ("failed", "skipped") and outcomes[name]["reason"], outcomes
        TALLY.record(f"accords ingest {name} ({outcomes[name]['status']})", 1)  # 1: the exit code
    assert outcomes["pipe.md"]["status"] == "skipped" and "FIFO" in outcomes["pipe.md"]["reason"]
    # Nothing hostile went in, and the page kept its stored version: the summary says so, and the store.
    assert summary["added"] == summary["updated"] == summary["deleted"] == 0 and not summary["emptied"], (
        summary
    )
    store = open_store(store_settings(data))  # read-only, once both runs are over
    assert {doc_id: record.chunks for doc_id, record in store.documents().items()} == {
        f["doc_id"]: f["chunks"] for f in baseline["files"]
    }
    assert store.chunk_count() == baseline["chunks"]
    assert "two new cranes" in (store.document_text("harbour") or "")
    first, second = TALLY.cli_runs[-2][1], TALLY.cli_runs[-1][1]
    assert second - first <= PEAK_OVER_IDLE_BYTES, (
        f"accords ingest peak {first / MB:.0f} -> {second / MB:.0f} MB"
    )
