"""/chat/stream with a language model: `sources`, `delta`s as the model writes, `done`; and when the
model fails midway, an `error` event then the extractive answer in `done`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from harness import ScriptedLLM
from service.schemas import ChatResponse
from tests.service.checks import parse_sse
from tests.service.llm.conftest import QUESTION

Client = Callable[..., TestClient]


def stream(client: TestClient, question: str = QUESTION) -> list[tuple[str, Any]]:
    response = client.post("/chat/stream", json={"question": question})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)


def names(events: list[tuple[str, Any]]) -> list[str]:
    """Event names with runs of deltas collapsed: ["sources", "delta", "done"]."""
    collapsed: list[str] = []
    for name, _ in events:
        if not (collapsed and collapsed[-1] == name == "delta"):
            collapsed.append(name)
    return collapsed


def done(events: list[tuple[str, Any]]) -> ChatResponse:
    assert events[-1][0] == "done"
    return ChatResponse.model_validate(events[-1][1])


def deltas(events: list[tuple[str, Any]]) -> str:
    return "".join(data["text"] for name, data in events if name == "delta")


def test_the_model_streams_its_answer(llm_client: Client, scripted: ScriptedLLM) -> None:
    events = stream(llm_client("cite"))
    assert names(events) == ["sources", "delta", "done"]
    final = done(events)
    assert (final.mode, final.degraded, final.unsupported) == ("llm", False, [])
    assert [s.model_dump() for s in final.sources] == events[0][1]
    assert deltas(events) == final.answer  # the scripted model already cites in canonical form
    assert len([name for name, _ in events if name == "delta"]) > 5  # word by word, as the model wrote
    assert scripted.calls[0].completed


def test_a_midway_failure_ends_with_an_error_then_the_extractive_answer(llm_client: Client) -> None:
    for model, reason in (("drop", "dropped the connection"), ("stall", "timed out")):
        events = stream(llm_client(model, llm_timeout_s=1))
        assert names(events) == ["sources", "delta", "error", "done"], model
        assert len(deltas(events).split()) == 3  # what the model wrote before it failed
        (message,) = [data["message"] for name, data in events if name == "error"]
        assert reason in message
        final = done(events)
        assert (final.mode, final.degraded) == ("extractive", True)
        assert final.degraded_reason and reason in final.degraded_reason
        assert "thirty days" in final.answer


def test_a_failure_before_any_text_streams_the_extractive_answer(llm_client: Client) -> None:
    events = stream(llm_client("error-500"))
    assert names(events) == ["sources", "delta", "done"]
    final = done(events)
    assert (final.mode, final.degraded, final.degraded_reason) == (
        "extractive",
        True,
        "the language model answered HTTP 500",
    )
    assert deltas(events).strip() == final.answer


def test_extractive_answers_stream_too(make_client: Client) -> None:
    events = stream(make_client())
    assert names(events) == ["sources", "delta", "done"]
    final = done(events)
    assert (final.mode, final.degraded) == ("extractive", False)
    assert deltas(events).strip() == final.answer
