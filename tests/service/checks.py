"""Assertions every chat answer must satisfy, and the hooks that apply them to every /chat response.

`check_chat_response` is installed as an httpx response hook on every client the service tests use
(`verify_chat_responses`), so no /chat or /chat/stream answer produced anywhere in the suite escapes the
citation-verbatim property: an extractive answer may choose the wrong sentence, never invent one.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, TypeVar

import httpx

from service.answer.extractive import tidy
from service.evaluation import Outcome, evaluate
from service.schemas import ChatResponse

MARKER = re.compile(r"\[(\d+)\]")
TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+\])+\s*$")
Client = TypeVar("Client", bound=httpx.Client)
NOT_FOUND = "The documents do not contain an answer to this question."


def as_response(response: ChatResponse | dict[str, Any]) -> ChatResponse:
    return response if isinstance(response, ChatResponse) else ChatResponse.model_validate(response)


def quotes(response: ChatResponse | dict[str, Any]) -> list[tuple[str, list[int]]]:
    """Each answer sentence without its trailing [n] markers, with the source ids it cites."""
    parsed = as_response(response)
    return [
        (TRAILING_MARKERS.sub("", parsed.answer[s.start : s.end]), list(s.sources)) for s in parsed.sentences
    ]


def assert_verbatim(response: ChatResponse | dict[str, Any]) -> None:
    """Every sentence of an extractive answer is copied from each source it cites: verbatim but for its
    layout (`tidy`: line breaks joined, heading marks and the document's bracketed notes dropped), and its
    `passage_start`/`passage_end` point at exactly that span of the first cited source.

    LLM answers paraphrase by design, so only their citations' targets are checked (`check_chat_response`).
    """
    parsed = as_response(response)
    if parsed.mode != "extractive":
        return
    texts = {source.id: source.text for source in parsed.sources}
    for (quote, cited), sentence in zip(quotes(parsed), parsed.sentences, strict=True):
        assert quote.strip(), f"empty quote in {parsed.answer!r}"
        assert cited, f"uncited sentence {quote!r}"
        for source_id in cited:
            assert source_id in texts, f"[{source_id}] cited but not listed"
            assert quote in tidy(texts[source_id]), f"not verbatim in source [{source_id}]: {quote!r}"
        if sentence.passage_start is not None and sentence.passage_end is not None:
            span = texts[cited[0]][sentence.passage_start : sentence.passage_end]
            assert tidy(span) == quote, (span, quote)
    if parsed.found:  # nothing but cited quotes: no connecting text of the service's own
        spans = [parsed.answer[s.start : s.end] for s in parsed.sentences]
        assert " ".join(spans) == parsed.answer, f"text outside the cited sentences: {parsed.answer!r}"


def check_chat_response(response: ChatResponse | dict[str, Any]) -> ChatResponse:
    """The /chat contract (shape, markers, source order, sentence spans) plus `assert_verbatim`."""
    if isinstance(response, dict):
        assert set(ChatResponse.model_fields) == set(response), sorted(response)
    parsed = as_response(response)
    ids = [source.id for source in parsed.sources]
    assert ids == list(range(1, len(ids) + 1)), ids
    scores = [source.score for source in parsed.sources]
    assert scores == sorted(scores, reverse=True), scores
    markers = {int(n) for n in MARKER.findall(parsed.answer)}
    assert markers <= set(ids), f"markers {markers} but sources {ids}"
    for source in parsed.sources:
        assert source.text and 0 <= source.start < source.end
        assert source.end - source.start == len(source.text), source
    if not parsed.found:  # the closest passages may be listed, but nothing is cited
        assert (markers, parsed.sentences) == (set(), []), parsed
        assert parsed.answer.startswith(NOT_FOUND), parsed.answer
    else:
        assert parsed.sentences, parsed
    previous_end = 0
    for sentence in parsed.sentences:
        assert previous_end <= sentence.start < sentence.end <= len(parsed.answer), parsed.sentences
        span = parsed.answer[sentence.start : sentence.end]
        assert {int(n) for n in MARKER.findall(span)} == set(sentence.sources), (span, sentence.sources)
        previous_end = sentence.end
    assert all(0 <= index < len(parsed.sentences) for index in parsed.unsupported)
    assert_verbatim(parsed)
    return parsed


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """(event, JSON data) pairs of a Server-Sent Events body; comments (keep-alives) are skipped."""
    events = []
    for block in re.split(r"\r?\n\r?\n", text):
        name, data = "message", []
        for line in block.splitlines():
            if not line or line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events


def _check_http_response(response: httpx.Response) -> None:
    request = response.request
    if request.method != "POST" or response.status_code != 200:
        return
    if request.url.path == "/chat":
        response.read()
        check_chat_response(response.json())
    elif request.url.path == "/chat/stream":
        response.read()
        for name, data in parse_sse(response.text):
            if name == "done":
                check_chat_response(data)


def verify_chat_responses(client: Client) -> Client:
    """Make `client` check every 200 answer of /chat and /chat/stream (the `done` event) it receives."""
    hooks = client.event_hooks
    client.event_hooks = {
        "request": list(hooks.get("request", [])),
        "response": [*hooks.get("response", []), _check_http_response],
    }
    return client


class CheckedResponder:
    """Wraps a `Responder` so every answer it gives (as `accords eval` runs it) is checked and recorded."""

    def __init__(self, responder: Any) -> None:
        self.responder = responder
        self.asked: list[tuple[Any, ChatResponse]] = []
        respond = responder.respond

        async def checked(request: Any, history: Any = None) -> ChatResponse:
            response: ChatResponse = await respond(request, history)
            check_chat_response(response)
            self.asked.append((request, response))
            return response

        responder.respond = checked

    def chat(self, request: Any) -> ChatResponse:
        return asyncio.run(self.responder.respond(request))  # type: ignore[no-any-return]

    def evaluate(self, questions: list[dict[str, Any]], k: int) -> list[Outcome]:
        return asyncio.run(evaluate(self.responder, questions, k))
