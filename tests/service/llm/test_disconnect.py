"""A client that disconnects mid-stream cancels the answer and closes the upstream LLM request.

Real sockets end to end: accords under uvicorn, the scripted model streaming slowly under another
uvicorn, and an httpx client that closes its stream after the first `delta`. Goal: the upstream
connection closed within 2 s of the client leaving, and the cancellation logged.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from harness import HashingEmbedder, ScriptedLLM, UvicornThread, disconnect_after_first_delta
from service.app import create_app
from tests.service.conftest import service_settings
from tests.service.llm.conftest import QUESTION


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
        left = disconnect_after_first_delta(accords.url, QUESTION, event, scripted)
        assert scripted.closed.wait(5), "the upstream request was never closed"
        (call,) = scripted.answers()
        assert call.closed is not None and call.disconnected and not call.completed
        seconds = call.closed - left
        assert seconds <= 2.0, f"upstream closed {seconds:.2f} s after the client left"
        deadline = time.monotonic() + 5
        while "answer cancelled" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "client disconnected" in caplog.text and "answer cancelled" in caplog.text
