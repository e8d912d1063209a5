"""A client that disconnects mid-stream cancels the answer and closes the upstream LLM request.

Real sockets end to end: accords under uvicorn, the scripted model streaming slowly under another
uvicorn, and an httpx client that closes its stream after the first `delta`. Goal: the upstream
connection closed within 2 s of the client leaving, and the cancellation logged.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from tests.fakes import HashingEmbedder
from tests.llm_server import ScriptedLLM
from tests.service.conftest import service_settings
from tests.service.llm.conftest import QUESTION
from tests.uvicorn_thread import UvicornThread


def disconnect_after_first_delta(
    url: str, event: str = "delta", upstream: ScriptedLLM | None = None
) -> float:
    """POST /chat/stream, read until the first `event` (and until `upstream` got its request), hang up;
    the moment it hung up."""
    with (
        httpx.Client(base_url=url, timeout=30, trust_env=False) as client,
        client.stream("POST", "/chat/stream", json={"question": QUESTION}) as response,
    ):
        assert response.status_code == 200
        for line in response.iter_lines():
            if line == f"event: {event}":
                deadline = time.monotonic() + 5
                while upstream is not None and not upstream.answers() and time.monotonic() < deadline:
                    time.sleep(0.01)
                break
        else:
            raise AssertionError(f"the stream ended without a {event} event")
    return time.monotonic()


@pytest.mark.parametrize(
    ("model", "event"),
    [("slow", "delta"), ("hang", "sources")],
    ids=["while-the-model-streams", "before-the-model-answers"],
)
def test_disconnect_closes_the_upstream_request(
    model: str,
    event: str,
    sample_data: Path,
    fake: HashingEmbedder,
    scripted: ScriptedLLM,
    llm_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="service.routes.stream")
    settings = service_settings(sample_data, llm_base_url=llm_url, llm_model=model)
    with UvicornThread(create_app(settings, embedder=fake)) as accords:
        left = disconnect_after_first_delta(accords.url, event, scripted)
        assert scripted.closed.wait(5), "the upstream request was never closed"
        (call,) = scripted.answers()
        assert call.closed is not None and call.disconnected and not call.completed
        seconds = call.closed - left
        assert seconds <= 2.0, f"upstream closed {seconds:.2f} s after the client left"
        deadline = time.monotonic() + 5
        while "answer cancelled" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "client disconnected" in caplog.text and "answer cancelled" in caplog.text
