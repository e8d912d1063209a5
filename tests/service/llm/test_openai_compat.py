"""The OpenAI-compatible API, driven by the official `openai` client against a real uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from harness import HashingEmbedder, ScriptedLLM, UvicornThread
from service.app import create_app
from service.schemas import Source
from tests.service.conftest import service_settings
from tests.service.llm.conftest import QUESTION

Factory = Callable[..., openai.OpenAI]


@pytest.fixture
def accords(
    sample_data: Path, fake: HashingEmbedder, scripted: ScriptedLLM, llm_url: str
) -> Iterator[Factory]:
    """`accords(model)`: an OpenAI client for accords served with the scripted model (None: no LLM)."""
    with ExitStack() as stack:

        def make(model: str | None = "cite", **overrides: Any) -> openai.OpenAI:
            llm = {"llm_base_url": llm_url, "llm_model": model, "llm_timeout_s": 1} if model else {}
            app = create_app(service_settings(sample_data, **{**llm, **overrides}), embedder=fake)
            server = stack.enter_context(UvicornThread(app))
            http = stack.enter_context(httpx.Client(trust_env=False, timeout=30))
            return openai.OpenAI(
                base_url=f"{server.url}/v1", api_key="unused", http_client=http, max_retries=0
            )

        yield make


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def test_models_lists_accords(accords: Factory) -> None:
    assert [model.id for model in accords().models.list()] == ["accords"]


def test_a_completion_carries_markers_and_sources(accords: Factory) -> None:
    completion = accords().chat.completions.create(model="my-model", messages=[user(QUESTION)])
    assert completion.model == "my-model"
    content = completion.choices[0].message.content or ""
    assert "thirty days" in content and "[1]" in content
    extra = completion.model_extra or {}
    sources = [Source.model_validate(s) for s in extra["sources"]]
    assert sources and sources[0].id == 1 and "thirty days" in sources[0].text
    assert extra["accords"]["mode"] == "llm" and extra["accords"]["unsupported"] == []


def test_a_streamed_completion_ends_with_the_sources(accords: Factory) -> None:
    chunks = list(accords().chat.completions.create(model="m", messages=[user(QUESTION)], stream=True))
    content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "thirty days" in content and "[1]" in content
    assert {chunk.model for chunk in chunks} == {"m"} and len({chunk.id for chunk in chunks}) == 1
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert (last.model_extra or {})["sources"] and (last.model_extra or {})["accords"]["answer"] == content
    assert all("sources" not in (chunk.model_extra or {}) for chunk in chunks[:-1])


def test_earlier_messages_are_the_history(accords: Factory, scripted: ScriptedLLM) -> None:
    scripted.condensed = QUESTION
    messages = [
        {"role": "system", "content": "You are a pirate."},
        user("What does the Northwater Basin Treaty say about minimum flow?"),
        {"role": "assistant", "content": "A minimum flow of 42 cubic metres per second [1]."},
        user("When does it enter into force?"),
    ]
    completion = accords().chat.completions.create(model="m", messages=messages)  # type: ignore[arg-type]
    condense, answer = scripted.calls
    assert (
        condense.kind == "condense" and "User: What does the Northwater Basin Treaty say" in condense.prompt
    )
    assert "Assistant: A minimum flow of 42 cubic metres per second ." in condense.prompt
    assert "pirate" not in condense.prompt + answer.prompt  # clients do not replace accords' prompt
    assert "thirty days" in (completion.choices[0].message.content or "")


def test_a_failed_model_degrades_to_the_extractive_answer(accords: Factory) -> None:
    completion = accords("hang").chat.completions.create(model="m", messages=[user(QUESTION)])
    extra = (completion.model_extra or {})["accords"]
    assert (extra["mode"], extra["degraded"], extra["degraded_reason"]) == (
        "extractive",
        True,
        "the language model timed out",
    )
    assert "thirty days" in (completion.choices[0].message.content or "")


def test_a_stream_that_fails_midway_continues_with_the_extractive_answer(accords: Factory) -> None:
    chunks = list(accords("drop").chat.completions.create(model="m", messages=[user(QUESTION)], stream=True))
    content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    extra = (chunks[-1].model_extra or {})["accords"]
    assert extra["degraded"] is True and "dropped the connection" in content
    assert content.endswith(extra["answer"])


def test_without_a_model_the_answer_is_extractive(accords: Factory) -> None:
    completion = accords(None).chat.completions.create(model="m", messages=[user(QUESTION)])
    assert (completion.model_extra or {})["accords"]["mode"] == "extractive"


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([], "messages"),
        ([{"role": "assistant", "content": "Hi"}], "last message must be a user message"),
        ([user("   ")], "last message must be a user message"),
        ([user("x" * 2001)], "question"),
        ([{"role": "wizard", "content": "Hi"}], "role"),
    ],
    ids=["no-messages", "last-not-user", "blank-question", "question-too-long", "unknown-role"],
)
def test_bad_requests_get_openai_errors(accords: Factory, messages: list[Any], message: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        accords().chat.completions.create(model="m", messages=messages)
    assert caught.value.status_code == 400 and message in caught.value.message
    assert isinstance(caught.value.body, dict) and caught.value.body["type"] == "invalid_request_error"


def test_a_body_that_is_not_json_gets_an_openai_error(accords: Factory) -> None:
    client = accords()
    response = httpx.post(
        f"{client.base_url}chat/completions",
        content=b"{not json",
        headers={"content-type": "application/json"},
        trust_env=False,
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
