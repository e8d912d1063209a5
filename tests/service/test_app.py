"""The app over a store that changes under it: another process's ingest shows up without a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from harness import HashingEmbedder
from ingest.pipeline import Ingestor
from ingest.store import open_store
from tests.service.conftest import service_settings

FIRST = (
    "---\ntitle: Harbour Note\ndate: 2024-02-01\n---\n\nThe harbour of Velmora will gain two new cranes.\n"
)
SECOND = (
    "---\ntitle: Ferry Note\ndate: 2024-02-02\n---\n\n"
    "A ferry between Port Ellery and Skarholm will sail three times a week from May.\n"
)


def test_an_ingest_while_serving_is_picked_up(
    tmp_path: Path, fake: HashingEmbedder, make_client: Callable[..., TestClient]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "harbour.md").write_text(FIRST)
    settings = service_settings(tmp_path / "data")
    Ingestor(open_store(settings, fake), fake, settings).run([folder])
    client = make_client(data_dir=settings.data_dir, refresh_interval_s=0)
    assert client.get("/documents").json()["total"] == 1
    question = {"question": "How often will the ferry between Port Ellery and Skarholm sail?"}
    assert "three times a week" not in client.post("/chat", json=question).json()["answer"]

    (folder / "ferry.md").write_text(SECOND)  # as `accords ingest` in another process would
    Ingestor(open_store(settings, fake), fake, settings).run([folder])

    assert client.get("/documents").json()["total"] == 2
    assert client.get("/ready").json()["documents"] == 2
    client.app.state.runtime.view.wait_for_lexical()  # type: ignore[attr-defined]
    answer = client.post("/chat", json=question).json()
    assert answer["found"] and "three times a week" in answer["answer"]
    assert answer["sources"][0]["document_id"] == "ferry"

    (folder / "ferry.md").unlink()
    Ingestor(open_store(settings, fake), fake, settings).run([folder], prune=True)
    assert client.get("/documents").json()["total"] == 1
    assert client.get("/documents/ferry").status_code == 404
    client.app.state.runtime.view.wait_for_lexical()  # type: ignore[attr-defined]
    assert all(s["document_id"] != "ferry" for s in client.post("/chat", json=question).json()["sources"])
