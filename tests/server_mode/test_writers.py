"""Writers that share a Chroma server but not a data dir (as on two machines): the lease in the store keeps
them one at a time, and a writer killed with -9 does not block the next one."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from harness import ChromaServer, ScriptedEmbeddings, collection_for, run_accords, start_accords
from ingest.store import guard as lease
from ingest.store import open_store
from service.settings import Settings
from tests.ingest.test_cli_integration import synthetic_corpus
from tests.server_mode.conftest import stack_env

pytestmark = pytest.mark.slow


def wait_for_lease(settings: Settings, pid: int, timeout: float = 60) -> None:
    store = open_store(settings)
    deadline = time.monotonic() + timeout
    while (store.state(lease.KEY) or {}).get("pid") != pid:
        assert time.monotonic() < deadline, "the first writer never took the lease"
        time.sleep(0.05)


def test_a_writer_on_another_data_dir_is_refused_and_a_killed_one_blocks_nobody(
    chroma_server: ChromaServer, embeddings: ScriptedEmbeddings, tmp_path: Path
) -> None:
    corpus, first, second = tmp_path / "corpus", tmp_path / "machine-a", tmp_path / "machine-b"
    synthetic_corpus(corpus)
    env = stack_env(chroma_server, first, embeddings)  # one collection for both "machines"
    settings = Settings(data_dir=first, chroma_url=chroma_server.url, collection=collection_for(first))
    embeddings.delay_s = 0.3  # a slow GPU box: the first ingest takes a few seconds
    try:
        writer = start_accords(first, "ingest", str(corpus), **env)
        wait_for_lease(settings, writer.pid)
        # Held still while the second writer tries: on a loaded machine the second process took longer to
        # start than the first took to finish, and found nothing to refuse (a stopped process still holds
        # its lease, for up to TTL_S = 30 s).
        os.kill(writer.pid, signal.SIGSTOP)
        try:
            refused = run_accords(second, "ingest", str(corpus), **env)
        finally:
            os.kill(writer.pid, signal.SIGCONT)
        assert refused.returncode == 3, refused.stderr
        message = " ".join(refused.stderr.split())
        assert f"another ingest is writing to collection {settings.collection!r}" in message
        assert f"process {writer.pid} on" in message and str(first.resolve()) in message
        _, errors = writer.communicate(timeout=300)
        assert writer.returncode == 0, errors
        assert open_store(settings).state(lease.KEY) is None  # released at the end

        (corpus / "accord-03.md").write_text("# Accord 3\n\nThe Parties amend the quota to 90 tonnes.\n")
        writer = start_accords(first, "ingest", str(corpus), **env)
        wait_for_lease(settings, writer.pid)
        writer.send_signal(signal.SIGKILL)
        writer.communicate(timeout=60)
    finally:
        embeddings.delay_s = 0.0
    began = time.monotonic()
    resumed = run_accords(second, "ingest", str(corpus), "--json", **env)
    assert resumed.returncode == 0, resumed.stderr  # the dead holder was on this host: no wait for expiry
    assert time.monotonic() - began < lease.TTL_S
    assert open_store(settings).orphan_chunk_ids() == []
