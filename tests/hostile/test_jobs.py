"""An ingest job over a folder of the ingest root that holds a FIFO: reading it would block forever (and
hold the one writer, so every upload after it got 409). The job must finish, report the skip, and let
the next upload in."""

from __future__ import annotations

import os
import time

import pytest

from tests.service.admin_support import upload

from .builders import write_files
from .conftest import AUTH, Target

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")]

NOTE = "---\ntitle: Pier Note\n---\n\nThe pier of Velmora will be extended by forty metres in 2026.\n"


def test_a_fifo_in_the_ingest_root_is_skipped_and_the_writer_freed(target: Target) -> None:
    folder = write_files(target.ingest_root / "with-a-pipe", {"pier-note.md": NOTE})
    os.mkfifo(folder / "pipe.md")
    started = target.attack.post("/admin/ingest-jobs", json={"path": "with-a-pipe"}, headers=AUTH)
    assert started.status_code == 202, started.text
    location = started.headers["location"]
    deadline = time.monotonic() + 30
    while (job := target.server.http.get(location, headers=AUTH).json())["status"] not in (
        "succeeded",
        "failed",
    ):
        assert time.monotonic() < deadline, f"the job hangs: {job}"
        time.sleep(0.05)
    assert job["status"] == "succeeded", job
    [error] = job["errors"]
    assert error["status"] == "skipped" and "FIFO" in error["reason"] and error["path"].endswith("pipe.md"), (
        job
    )
    after = upload(target.attack, [("quay-note.md", NOTE.replace("pier", "quay").encode())], headers=AUTH)
    assert after.status_code == 200, after.text  # not 409 writer_busy
