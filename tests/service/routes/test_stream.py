"""POST /chat/stream (extractive): `sources`, then `delta` pieces, then `done` with the /chat response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.checks import check_chat_response, parse_sse
from tests.service.routes.test_chat import ABSENT, CANADA, KELD

STREAM_QUESTIONS = [KELD, CANADA, "What is the herring quota for 2025?", ABSENT[0]]


def stream(client: TestClient, question: str, **fields: Any) -> list[tuple[str, Any]]:
    with client.stream("POST", "/chat/stream", json={"question": question, **fields}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers.get("cache-control") == "no-store"
        text = "".join(response.iter_text())
    return parse_sse(text)


@pytest.mark.parametrize("question", STREAM_QUESTIONS)
def test_events_come_in_order_and_add_up_to_the_answer(client: TestClient, question: str) -> None:
    events = stream(client, question)
    names = [name for name, _ in events]
    assert names[0] == "sources" and names[-1] == "done"
    assert set(names[1:-1]) == {"delta"} and len(names) >= 3
    done = check_chat_response(events[-1][1])
    assert "".join(data["text"] for name, data in events if name == "delta") == done.answer
    assert events[0][1] == [source.model_dump() for source in done.sources]


@pytest.mark.parametrize("question", STREAM_QUESTIONS)
def test_done_is_the_chat_response(client: TestClient, question: str) -> None:
    done = stream(client, question)[-1][1]
    chat = client.post("/chat", json={"question": question}).json()
    assert set(done) == set(chat)
    assert done["mode"] == "extractive" and done["degraded"] is False
    assert done["answer_id"] != chat["answer_id"]  # each answer has its own id
    for name in ("conversation_id", "answer_id"):  # each call starts its own conversation
        del done[name], chat[name]
    assert done == chat


def test_the_stream_takes_the_same_options_as_chat(client: TestClient) -> None:
    done = stream(client, KELD, top_k=1, filters={"kind": ["agreement-text"]})[-1][1]
    assert len(done["sources"]) == 1 and done["sources"][0]["kind"] == "agreement-text"
    follow_up = stream(client, "When was that signed?", conversation_id=done["conversation_id"])[-1][1]
    assert follow_up["conversation_id"] == done["conversation_id"]


def test_a_refusal_streams_the_closest_passages_uncited(make_client: Callable[..., TestClient]) -> None:
    events = stream(make_client(found_threshold=1.0), ABSENT[1])  # the threshold forces the refusal
    assert events[0][0] == "sources" and events[0][1], "the closest passages are listed"
    done = events[-1][1]
    assert done["found"] is False and done["sentences"] == [] and "[1]" not in done["answer"]
    assert done["sources"] == events[0][1]


def test_the_sse_parser_reads_what_a_browser_reads() -> None:
    text = (
        ": ping\r\n\r\nevent: sources\r\ndata: []\r\n\r\n"
        'event: delta\ndata: {"text": "a "}\n\n'
        'event: done\ndata: {"answer":\ndata: "a "}\n\n'
    )
    assert parse_sse(text) == [("sources", []), ("delta", {"text": "a "}), ("done", {"answer": "a "})]
