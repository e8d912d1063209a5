"""Questions keep being answered while an ingest job rewrites a document, and no answer ever cites a
half-written one: every cited passage is, exactly, a slice of the old or of the new version.

The fast test stretches a job over many commits with a slow fake model; the slow one runs the real model
behind a real uvicorn on 127.0.0.1, uploads, re-ingests and asks from another thread all the while.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from harness import HashingEmbedder, UvicornThread
from ingest.embedders import Embedder, Spans, Vectors
from service.app import create_app
from tests.conftest import SAMPLES
from tests.service.admin_support import AUTH, TOKEN, copy_store, start_job, upload, wait_for_job
from tests.service.checks import verify_chat_responses
from tests.service.conftest import service_settings

TREATY = "northwater-basin-treaty"
QUESTIONS = [
    "What is the minimum flow at the Keld gauging station?",
    "When does the Northwater Basin Treaty enter into force?",
]
FILLER = "# Filler note {n}\n\nThe harbour of Velmora{n} will gain {n} cranes. Ferries sail on Mondays.\n"


class PacedEmbedder(HashingEmbedder):
    """The fake model at a real model's pace, which also holds the batch that holds the treaty's new
    version until the test says go: questions are then surely asked on both sides of its commit."""

    def __init__(self) -> None:
        super().__init__()
        self.treaty_reached, self.go = threading.Event(), threading.Event()

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        if any("57 cubic metres" in text for text in texts):
            self.treaty_reached.set()
            assert self.go.wait(30), "the test never said go"
        time.sleep(0.1)
        return super().embed_passages(texts, spans)


def make_root(tmp_path: Path, fillers: int) -> Path:
    """The samples with the treaty revised, between fillers sorted before and after it (many commits)."""
    folder = tmp_path / "root" / "samples"
    shutil.copytree(SAMPLES, folder)
    treaty = folder / f"{TREATY}.md"
    text = treaty.read_text(encoding="utf-8")
    assert "42 cubic metres per second" in text
    treaty.write_text(
        text.replace("42 cubic metres per second", "57 cubic metres per second"), encoding="utf-8"
    )
    for n in range(fillers):
        (folder / f"{'a' if n % 2 else 'z'}-filler-{n:03d}.md").write_text(
            FILLER.format(n=n), encoding="utf-8"
        )
    return folder.parent


def all_texts(client: httpx.Client | TestClient) -> dict[str, str]:
    listed = client.get("/documents", params={"limit": 500}).json()["documents"]
    return {d["id"]: client.get(f"/documents/{d['id']}/text").json()["text"] for d in listed}


def check_versions(
    responses: Sequence[dict[str, Any]], before: dict[str, str], after: dict[str, str]
) -> dict[str, int]:
    """Each cited passage is exactly a slice of its document before or after the job, and one answer
    never mixes the two versions of a document. Returns how many answers quoted the treaty's old and
    new figure (so a test can tell that it really asked on both sides of the commit)."""
    figures = {"42": 0, "57": 0}
    for response in responses:
        versions: dict[str, set[str]] = {}
        for source in response["sources"]:
            doc, span = source["document_id"], slice(source["start"], source["end"])
            matches = {
                name
                for name, texts in (("old", before), ("new", after))
                if texts.get(doc, "")[span] == source["text"]
            }
            assert matches, f"a passage of {doc} is in neither version: {source['text'][:100]!r}"
            versions[doc] = versions.get(doc, matches) & matches
            assert versions[doc], f"one answer cites two versions of {doc}"
        for figure in figures:
            figures[figure] += f"{figure} cubic metres" in response["answer"]
    return figures


def test_answers_during_a_job_cite_the_old_or_the_new_version_only(sample_data: Path, tmp_path: Path) -> None:
    root = make_root(tmp_path, fillers=80)
    settings = service_settings(
        copy_store(sample_data, tmp_path), admin_token=TOKEN, ingest_root=root, embed_batch_size=1
    )
    embedder = PacedEmbedder()
    with TestClient(create_app(settings, embedder=embedder)) as client:
        admin = verify_chat_responses(client)
        before = all_texts(admin)

        def ask() -> dict[str, Any]:
            response = admin.post("/chat", json={"question": QUESTIONS[0]})
            assert response.status_code == 200
            return dict(response.json())

        location = start_job(admin, "samples")
        assert embedder.treaty_reached.wait(30)  # half the fillers are in; the treaty is being embedded
        early = [ask() for _ in range(3)]
        embedder.go.set()
        during = []
        while admin.get(location, headers=AUTH).json()["status"] == "running":
            during.append(ask())
        job = wait_for_job(admin, location)
        assert job["status"] == "succeeded" and (job["totals"]["updated"], job["totals"]["added"]) == (1, 80)
        after = all_texts(admin)
        late = [ask()]
    assert after[TREATY] != before[TREATY]
    assert check_versions(early, before, after) == {"42": 3, "57": 0}  # not committed yet: the old text
    assert during, "the job ended before a question was asked after the treaty's commit"
    check_versions(during, before, after)
    assert check_versions(late, before, after) == {"42": 0, "57": 1}


@pytest.mark.slow
def test_real_model_upload_reingest_and_questions_over_http(
    real_sample_data: Path, real_embedder: Embedder, tmp_path: Path
) -> None:
    shutil.copytree(real_sample_data, tmp_path / "data")
    root = make_root(tmp_path, fillers=12)
    settings = service_settings(tmp_path / "data", admin_token=TOKEN, ingest_root=root)
    with (
        UvicornThread(create_app(settings, embedder=real_embedder)) as server,
        httpx.Client(base_url=server.url, timeout=60, trust_env=False) as http,
    ):
        verify_chat_responses(http)
        memo = b"# Lighthouse upkeep\n\nThe two coast guards will jointly maintain 17 lighthouses along the "
        memo += b"Tessaly Strait.\n"
        uploaded = upload(http, [("lighthouse-memo.md", memo)], {"kind": "memo"})
        assert uploaded.status_code == 200, uploaded.text
        answer = http.post(
            "/chat",
            json={
                "question": "How many lighthouses will the coast guards maintain along the Tessaly Strait?"
            },
        )
        assert answer.json()["found"] and answer.json()["sources"][0]["document_id"] == "lighthouse-memo"

        before = all_texts(http)
        responses: list[dict[str, Any]] = []
        failures: list[str] = []
        done = threading.Event()

        def ask() -> None:
            with httpx.Client(base_url=server.url, timeout=60, trust_env=False) as asker:
                while not done.is_set():
                    reply = verify_chat_responses(asker).post(
                        "/chat", json={"question": QUESTIONS[len(responses) % 2]}
                    )
                    if reply.status_code != 200:
                        failures.append(reply.text)
                    responses.append(reply.json())

        asker = threading.Thread(target=ask)
        asker.start()
        try:
            job = wait_for_job(http, start_job(http, "samples"), timeout=300)
        finally:
            done.set()
            asker.join(60)
        assert job["status"] == "succeeded", job
        assert (job["totals"]["updated"], job["totals"]["added"]) == (1, 12)
        assert responses and not failures, failures
        check_versions(responses, before, all_texts(http))
        final = http.post("/chat", json={"question": QUESTIONS[0]}).json()
        assert "57 cubic metres" in final["answer"], final["answer"]
