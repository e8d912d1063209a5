"""The concurrency cap on the real service, over real sockets: while slow streamed answers hold every
slot, other answer requests get 503 with Retry-After at once (never a queue), the rest of the API still
answers, and the service takes questions again as soon as a slot frees up."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import HashingEmbedder, ScriptedLLM, UvicornThread
from service.app import create_app
from tests.service.conftest import service_settings

QUESTION = {"question": "When does the Northwater Basin Treaty enter into force?"}
COMPLETION = {"model": "accords", "messages": [{"role": "user", "content": QUESTION["question"]}]}


@pytest.fixture
def full_service(
    sample_data: Path, fake: HashingEmbedder, scripted: ScriptedLLM, llm_url: str
) -> Iterator[httpx.Client]:
    """A service with one answer slot, whose model (`slow`) writes for many seconds."""
    settings = service_settings(sample_data, llm_base_url=llm_url, llm_model="slow", max_concurrent_answers=1)
    with (
        UvicornThread(create_app(settings, embedder=fake)) as server,
        httpx.Client(base_url=server.url, timeout=10, trust_env=False) as http,
    ):
        yield http


def in_flight(http: httpx.Client) -> float:
    for line in http.get("/metrics").text.splitlines():
        if line.startswith("accords_answers_in_flight "):
            return float(line.split()[1])
    raise AssertionError("no accords_answers_in_flight in /metrics")


def hold_a_slot(http: httpx.Client) -> tuple[httpx.Response, Iterator[str]]:
    """Start a streamed answer and read until the model's first words arrive. The line iterator is
    returned too: dropping it would close the stream (and so free the slot) at once."""
    response = http.send(http.build_request("POST", "/chat/stream", json=QUESTION), stream=True)
    assert response.status_code == 200
    lines = response.iter_lines()
    for line in lines:
        if line == "event: delta":
            return response, lines
    raise AssertionError("the stream ended before any delta")


def test_a_full_service_sheds_load_and_recovers(full_service: httpx.Client) -> None:
    http = full_service
    holder, _lines = hold_a_slot(http)
    try:
        assert in_flight(http) == 1
        for path, body in (
            ("/chat", QUESTION),
            ("/chat/stream", QUESTION),
            ("/v1/chat/completions", COMPLETION),
        ):
            started = time.monotonic()
            refused = http.post(path, json=body)
            assert time.monotonic() - started < 1.0, "refused at once, not queued"
            assert (refused.status_code, refused.headers["retry-after"]) == (503, "1"), path
            assert refused.headers["x-request-id"]
            if path.startswith("/v1"):
                assert refused.json()["error"]["code"] == "overloaded"
            else:
                assert refused.json()["code"] == "overloaded"
        assert http.get("/health").status_code == 200  # only answers are capped
        assert http.get("/documents").status_code == 200
    finally:
        holder.close()  # the client leaves: the answer is cancelled and its slot freed
    deadline = time.monotonic() + 5
    while in_flight(http) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert in_flight(http) == 0
    hold_a_slot(http)[0].close()  # served again
