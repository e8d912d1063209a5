"""Ingest jobs: path checks under ACCORDS_INGEST_ROOT, progress, per-file errors, queueing, shutdown."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from harness import HashingEmbedder
from ingest.embedders import Spans, Vectors
from ingest.store import writer_lock
from service.admin.jobs import Jobs
from service.admin.state import AdminState
from service.app import create_app
from tests.conftest import SAMPLES
from tests.service.admin_support import AUTH, TOKEN, assert_error, start_job, upload, wait_for_job
from tests.service.checks import verify_chat_responses
from tests.service.conftest import service_settings


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    shutil.copytree(SAMPLES, root / "samples")
    return root


@pytest.fixture
def admin(make_client: Callable[..., TestClient], tmp_path: Path, root: Path) -> TestClient:
    return make_client(data_dir=tmp_path / "data", admin_token=TOKEN, ingest_root=root)


def test_a_job_ingests_a_folder_and_reports_progress(admin: TestClient) -> None:
    response = admin.post("/admin/ingest-jobs", json={"path": "samples"}, headers=AUTH)
    assert response.status_code == 202
    started = response.json()
    assert started["status"] in ("queued", "running") and started["path"] == "samples"
    job = wait_for_job(admin, response.headers["location"])
    assert job["status"] == "succeeded" and job["error"] is None and job["errors"] == []
    assert job["progress"] == {
        "documents_total": 7,
        "documents_done": 7,
        "chunks_embedded": job["totals"]["chunks"],
    }
    assert job["totals"]["added"] == 7 and job["totals"]["chunks"] > 0
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]
    assert admin.get("/documents").json()["total"] == 7  # visible as soon as the job is done
    assert [j["id"] for j in admin.get("/admin/ingest-jobs", headers=AUTH).json()["jobs"]] == [job["id"]]
    again = wait_for_job(admin, start_job(admin, "samples"))
    assert (again["totals"]["unchanged"], again["totals"]["embeddings"]) == (7, 0)


def test_ids_are_relative_to_the_folder_named_as_with_the_cli(admin: TestClient) -> None:
    wait_for_job(admin, start_job(admin, "."))
    assert admin.get("/documents/samples/aldermere-korvath-joint-statement-v1").status_code == 200
    assert admin.get("/documents/northwater-basin-treaty").status_code == 200  # its front matter says so
    one = wait_for_job(admin, start_job(admin, "samples/aldermere-korvath-joint-statement-v1.md"))
    assert one["progress"]["documents_total"] == 1  # a single file: its stem is its id
    assert admin.get("/documents/aldermere-korvath-joint-statement-v1").status_code == 200


def test_per_file_errors_are_listed_and_the_rest_goes_in(
    admin: TestClient, root: Path, tmp_path: Path
) -> None:
    mixed = root / "mixed"
    (mixed / "sub").mkdir(parents=True)
    (mixed / "good.md").write_text("# Cranes\n\nThe harbour of Velmora will gain two new cranes.\n")
    (mixed / "sub" / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    (mixed / "tool.exe").write_bytes(b"MZ")
    (mixed / "empty.md").write_text("")
    (mixed / "README.md").write_text("Folder notes are ignored.")
    (tmp_path / "secret.md").write_text("Outside the root.")
    (mixed / "link.md").symlink_to(tmp_path / "secret.md")
    job = wait_for_job(admin, start_job(admin, "mixed"))
    assert job["status"] == "succeeded"
    errors = {e["path"]: (e["status"], e["reason"]) for e in job["errors"]}
    assert set(errors) == {"mixed/sub/broken.pdf", "mixed/tool.exe", "mixed/empty.md", "mixed/link.md"}
    assert errors["mixed/tool.exe"] == ("failed", "unsupported format '.exe'")
    assert "PDF" in errors["mixed/sub/broken.pdf"][1] and "empty" in errors["mixed/empty.md"][1]
    assert errors["mixed/link.md"][0] == "skipped" and "outside" in errors["mixed/link.md"][1]
    assert (job["totals"]["added"], job["totals"]["failed"], job["totals"]["skipped"]) == (1, 3, 1)
    assert (
        admin.get("/documents/good").status_code == 200 and admin.get("/documents/secret").status_code == 404
    )


def test_prune_removes_documents_whose_file_is_gone(admin: TestClient, root: Path) -> None:
    wait_for_job(admin, start_job(admin, "samples"))
    (root / "samples" / "northwater-basin-treaty.md").unlink()
    kept = wait_for_job(admin, start_job(admin, "samples"))
    assert kept["totals"]["pruned"] == [] and admin.get("/documents").json()["total"] == 7
    pruned = wait_for_job(admin, start_job(admin, "samples", prune=True))
    assert pruned["prune"] is True and pruned["totals"]["pruned"] == ["northwater-basin-treaty"]
    assert admin.get("/documents").json()["total"] == 6


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("..", "'..'"),
        ("../etc", "'..'"),
        ("samples/../../x", "'..'"),
        ("/etc", "absolute"),
        ("/", "absolute"),
        ("C:\\Windows", "absolute"),
        ("\\\\server\\share", "absolute"),
        ("samples\\..\\..", "'..'"),
        ("nowhere", "no file or folder 'nowhere'"),
        ("samples\x00", "NUL"),
    ],
)
def test_paths_outside_the_root_are_refused(admin: TestClient, path: str, message: str) -> None:
    response = admin.post("/admin/ingest-jobs", json={"path": path}, headers=AUTH)
    assert_error(response, 400, "bad_path", message)
    assert admin.get("/admin/ingest-jobs", headers=AUTH).json()["jobs"] == []


def test_a_symlink_leading_out_of_the_root_is_refused(admin: TestClient, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("Not for the store.")
    (root / "escape").symlink_to(outside)
    (root / "deep").mkdir()
    (root / "deep" / "up").symlink_to(root.parent)
    (root / "loop").symlink_to(root / "loop")
    for path in ("escape", "escape/secret.md", "deep/up/outside", "deep/up"):
        assert_error(
            admin.post("/admin/ingest-jobs", json={"path": path}, headers=AUTH), 400, "bad_path", "outside"
        )
    assert_error(admin.post("/admin/ingest-jobs", json={"path": "loop"}, headers=AUTH), 400, "bad_path")
    (root / "inside").symlink_to(root / "samples")  # a symlink that stays inside is fine
    assert wait_for_job(admin, start_job(admin, "inside"))["totals"]["added"] == 7


def test_jobs_need_an_ingest_root(make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    disabled = make_client(data_dir=tmp_path / "data", admin_token=TOKEN)
    body = {"path": "samples"}
    assert_error(disabled.post("/admin/ingest-jobs", json=body, headers=AUTH), 409, "ingest_jobs_disabled")
    missing = make_client(data_dir=tmp_path / "data", admin_token=TOKEN, ingest_root=tmp_path / "nope")
    assert_error(
        missing.post("/admin/ingest-jobs", json=body, headers=AUTH), 409, "ingest_jobs_disabled", "nope"
    )


@pytest.mark.parametrize(
    ("body", "message"), [({}, "path"), ({"path": "samples", "force": True}, "force"), ({"path": 3}, "path")]
)
def test_bad_job_requests_are_a_422(admin: TestClient, body: dict[str, object], message: str) -> None:
    assert_error(admin.post("/admin/ingest-jobs", json=body, headers=AUTH), 422, "invalid_request", message)


def test_an_unknown_job_is_a_404(admin: TestClient) -> None:
    assert_error(admin.get("/admin/ingest-jobs/job_nope", headers=AUTH), 404, "not_found", "job_nope")


def test_a_job_fails_when_another_process_is_writing(admin: TestClient) -> None:
    with writer_lock(admin.app.state.settings):  # type: ignore[attr-defined]
        job = wait_for_job(admin, start_job(admin, "samples"))
    assert job["status"] == "failed" and "another ingest is writing" in job["error"]
    assert job["started_at"] is None and admin.get("/documents").json()["total"] == 0


def test_only_the_last_jobs_are_kept(root: Path) -> None:
    jobs = Jobs(keep=2)
    made = [jobs.add(str(n), False, root) for n in range(4)]
    assert [j.id for j in jobs.recent()] == [j.id for j in reversed(made)]  # none finished: all kept
    for job in made[:3]:
        job.status = "succeeded"
    jobs.add("4", False, root)
    assert len(jobs.recent()) == 2 and jobs.get(made[0].id) is None and jobs.get(made[3].id) is not None


# ---------------------------------------------------------------------------- one writer at a time


class GatedEmbedder(HashingEmbedder):
    """Embeds passages only once the test opens the gate: a job that stays running as long as needed."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().embed_passages(texts, spans)


@pytest.fixture
def gated(tmp_path: Path, root: Path) -> Iterator[tuple[TestClient, GatedEmbedder]]:
    embedder = GatedEmbedder()
    settings = service_settings(tmp_path / "data", admin_token=TOKEN, ingest_root=root)
    client = TestClient(create_app(settings, embedder=embedder))
    with client:
        yield verify_chat_responses(client), embedder
        embedder.gate.set()


def test_jobs_and_uploads_queue_behind_a_running_job(gated: tuple[TestClient, GatedEmbedder]) -> None:
    admin, embedder = gated
    first = start_job(admin, "samples")
    assert embedder.entered.wait(10)
    second = start_job(admin, "samples")
    running = admin.get(first, headers=AUTH).json()
    assert running["status"] == "running" and running["progress"]["documents_total"] == 7
    assert admin.get(second, headers=AUTH).json()["status"] == "queued"
    state: AdminState = admin.app.state.runtime.admin  # type: ignore[attr-defined]
    state.writer.wait_s = 0.2
    late = upload(admin, [("a.md", b"The harbour of Velmora will gain two cranes.")])
    assert_error(late, 409, "writer_busy", "waited 0.2 s")
    assert late.headers["retry-after"] == "10"
    assert admin.post("/chat", json={"question": "What is PGII?"}).status_code == 200  # still answering
    embedder.gate.set()
    assert wait_for_job(admin, first)["status"] == wait_for_job(admin, second)["status"] == "succeeded"
    assert wait_for_job(admin, second)["totals"]["unchanged"] == 7
    assert upload(admin, [("a.md", b"The harbour of Velmora will gain two cranes.")]).status_code == 200
    assert list((state.settings.data_dir / "uploads").iterdir()) == []


def test_too_many_queued_jobs_is_a_409(gated: tuple[TestClient, GatedEmbedder]) -> None:
    admin, embedder = gated
    start_job(admin, "samples")
    assert embedder.entered.wait(10)
    for _ in range(10):
        start_job(admin, "samples")
    response = admin.post("/admin/ingest-jobs", json={"path": "samples"}, headers=AUTH)
    assert_error(response, 409, "too_many_jobs", "10 ingest jobs")


def test_stopping_the_service_ends_running_and_queued_jobs(tmp_path: Path, root: Path) -> None:
    embedder = GatedEmbedder()
    settings = service_settings(tmp_path / "data", admin_token=TOKEN, ingest_root=root)
    app = create_app(settings, embedder=embedder)
    with TestClient(app) as admin:
        running, queued = start_job(admin, "samples"), start_job(admin, "samples")
        assert embedder.entered.wait(10)
        threading.Timer(0.3, embedder.gate.set).start()  # the batch in the model finishes, then it stops
        jobs = app.state.runtime.admin.jobs
    first, second = (jobs.get(location.rsplit("/", 1)[1]).describe() for location in (running, queued))
    assert (first["status"], second["status"]) == ("failed", "failed")
    assert "stopped during" in first["error"] and "before the job began" in second["error"]
    assert os.listdir(tmp_path / "data")  # the store is intact: the next ingest completes the rest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux only")
def test_writes_run_at_a_lower_cpu_priority_than_answers(admin: TestClient) -> None:
    state: AdminState = admin.app.state.runtime.admin  # type: ignore[attr-defined]
    view = admin.app.state.runtime.view  # type: ignore[attr-defined]
    future = state.writer.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), view)
    assert future.result(10) >= 10 > os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
