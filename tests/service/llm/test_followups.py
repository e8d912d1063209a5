"""Follow-ups with a language model: condensed into a standalone question (one non-streamed call with the
condense prompt) before retrieval; an unusable rewrite falls back to the extractive reading, and a failed
call to the extractive answer."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from harness import ScriptedLLM
from service.schemas import ChatResponse

Client = Callable[..., TestClient]
FIRST = "What does the Northwater Basin Treaty say about minimum flow?"
FOLLOW_UP = "And when does it enter into force?"
STANDALONE = "When does the Northwater Basin Treaty enter into force?"


def conversation(client: TestClient) -> ChatResponse:
    first = client.post("/chat", json={"question": FIRST}).json()
    response = client.post("/chat", json={"question": FOLLOW_UP, "conversation_id": first["conversation_id"]})
    assert response.status_code == 200, response.text
    return ChatResponse.model_validate(response.json())


def question_sent(scripted: ScriptedLLM) -> str:
    return scripted.answers()[-1].prompt.rsplit("Question: ", 1)[1].split("\n", 1)[0]


def test_a_follow_up_is_condensed_before_retrieval(llm_client: Client, scripted: ScriptedLLM) -> None:
    scripted.condensed = STANDALONE
    answer = conversation(llm_client("cite"))
    kinds = [call.kind for call in scripted.calls]
    assert kinds == ["answer", "condense", "answer"]  # the first question had no history to condense
    condense = scripted.calls[1]
    assert condense.body.get("stream") is not True
    assert f"User: {FIRST}" in condense.prompt and f"Follow-up question: {FOLLOW_UP}" in condense.prompt
    assert question_sent(scripted) == STANDALONE
    assert (answer.mode, answer.degraded) == ("llm", False)
    assert "thirty days" in answer.answer


def test_an_unusable_rewrite_falls_back_to_the_extractive_reading(
    llm_client: Client, scripted: ScriptedLLM
) -> None:
    scripted.condensed = "Sure! Here is the question:\nWhen does what enter into force?"
    answer = conversation(llm_client("cite"))
    assert question_sent(scripted) == FOLLOW_UP
    assert (answer.mode, answer.degraded) == ("llm", False)


def test_a_failed_condense_call_gives_the_extractive_answer(
    llm_client: Client, scripted: ScriptedLLM
) -> None:
    answer = conversation(llm_client("error-500"))
    assert [call.kind for call in scripted.calls] == ["answer", "condense"]  # no second try at the answer
    assert (answer.mode, answer.degraded, answer.degraded_reason) == (
        "extractive",
        True,
        "the language model answered HTTP 500",
    )
