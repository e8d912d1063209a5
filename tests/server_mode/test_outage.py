"""The Chroma server dies or hangs under a running service: `/ready` and `/chat` answer 503 with a JSON
message within a second, and the service answers again once the server is back, without a restart."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import ChromaServer, ScriptedEmbeddings, ServiceProcess, accords_env
from tests.conftest import SAMPLES
from tests.server_mode.conftest import ingest, stack_env

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)
QUESTION = "What is the minimum flow at the Keld gauging station?"
TIMEOUT_S = 0.5  # ACCORDS_CHROMA_TIMEOUT_S of the service: how long a hung server may hold a request


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server of its own: this test kills it."""
    server = ChromaServer(tmp_path / "chroma-db", tmp_path / "chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


def assert_unavailable(service: ServiceProcess, since: float) -> float:
    """Both routes refuse with 503 and a JSON reason; returns the seconds from `since` to the answers."""
    ready = service.http.get("/ready")
    chat = service.chat(QUESTION)
    latency = time.monotonic() - since
    assert (ready.status_code, ready.json()["status"]) == (503, "unavailable"), ready.text
    assert chat.status_code == 503 and chat.headers["retry-after"], chat.text
    assert chat.json() == {
        "detail": "The document store is unavailable; try again shortly.",
        "code": "store_unavailable",
    }
    return latency


def wait_answering(service: ServiceProcess, since: float, timeout: float = 10) -> float:
    """Seconds from `since` until `/ready` is 200 and `/chat` answers again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ready = service.http.get("/ready", timeout=2).status_code
            if ready == 200 and service.chat(QUESTION).status_code == 200:
                return time.monotonic() - since
        except httpx.TransportError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"the service did not recover within {timeout} s:\n{service.log_tail()}")


def test_a_killed_or_hung_chroma_gives_503_within_a_second_and_the_service_recovers(
    chroma: ChromaServer, embeddings: ScriptedEmbeddings, services: list[ServiceProcess], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = stack_env(chroma, data, embeddings)
    ingest(data, SAMPLES, env)
    service = ServiceProcess(
        tmp_path / "serve.log", accords_env(data, **env, ACCORDS_CHROMA_TIMEOUT_S=str(TIMEOUT_S))
    )
    services.append(service)
    service.wait_ready()
    answer = service.chat(QUESTION)
    assert answer.status_code == 200 and answer.json()["found"], answer.text

    chroma.kill()
    killed = time.monotonic()
    first = assert_unavailable(service, killed)
    worst = max(assert_unavailable(service, time.monotonic()) for _ in range(20))  # every request, not one
    restarted = time.monotonic()
    chroma.start()  # same path, same port
    heartbeat = time.monotonic()
    recovered = wait_answering(service, heartbeat)
    assert service.chat(QUESTION).json()["answer"] == answer.json()["answer"]

    chroma.freeze()
    frozen = time.monotonic()
    hung = assert_unavailable(service, frozen)
    chroma.thaw()
    thawed = wait_answering(service, time.monotonic())
    log.info(
        "killed: first 503s after %.3f s, slowest 503 %.3f s; restart took %.1f s, answering %.3f s after "
        "the heartbeat; hung: 503s after %.3f s, answering %.3f s after SIGCONT",
        first,
        worst,
        heartbeat - restarted,
        recovered,
        hung,
        thawed,
    )
    assert first < 1.0 and worst < 1.0
    assert recovered < 2.0  # the next refresh or request reconnects; nothing waits for a retry timer
    assert hung < 2 * TIMEOUT_S + 0.5  # /ready and /chat, each bounded by the timeout
    assert thawed < 2.0
