"""POST /v1/chat/completions and GET /v1/models: accords behind the OpenAI API
(the dialect: `service.routes.openai_dialect`).

Streaming uses the OpenAI chunk format (`data: {chunk}` lines, then `data: [DONE]`) through sse-starlette,
so a disconnecting client cancels the answer exactly as on /chat/stream. The last chunk carries `sources`
and `accords` (with the checked answer text: the streamed text is the model's raw output). If the model
fails midway, a short notice and the extractive answer follow as content and `accords.degraded` is true.
Errors are OpenAI-shaped (`{"error": {"message", "type", ...}}`), 4xx for the client's mistakes.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from ingest.store import StoreUnavailable
from service.chat import Delta, Done, Error, Responder, Turn
from service.deps import ResponderDep, SiteKeyDep
from service.routes.openai_dialect import (
    MODEL_ID,
    CompletionRequest,
    OpenAIError,
    chunk,
    completion,
    completion_id,
    extras,
    parse,
)
from service.schemas import ChatRequest, new_answer_id

router = APIRouter(prefix="/v1", tags=["openai"])
log = logging.getLogger(__name__)
_STARTED = int(time.time())
_QUESTION = "When does the Northwater Basin Treaty enter into force?"
# The bodies /docs offers to send (the first is filled in): each is a valid request, tested as sent.
COMPLETION_EXAMPLES: dict[str, dict[str, object]] = {
    "question": {
        "summary": "A question",
        "value": {"model": MODEL_ID, "messages": [{"role": "user", "content": _QUESTION}]},
    },
    "follow-up": {
        "summary": "A follow-up: earlier turns are the conversation",
        "value": {
            "model": MODEL_ID,
            "messages": [
                {"role": "user", "content": _QUESTION},
                {"role": "assistant", "content": "The Treaty enters into force on ... [1]"},
                {"role": "user", "content": "Who are its parties?"},
            ],
        },
    },
    "stream": {
        "summary": "Streamed, with accords' own filters and number of sources",
        "value": {
            "model": MODEL_ID,
            "stream": True,
            "top_k": 3,
            "filters": {"kind": ["agreement-text"]},
            "messages": [{"role": "user", "content": _QUESTION}],
        },
    },
}


def _inline(schema: object, defs: dict[str, object]) -> object:
    """`schema` with its `#/$defs/...` references replaced by the definitions (the models have no cycle)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline(value, defs) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def _completion_body() -> dict[str, object]:
    """The request body for /docs: the route parses it itself, to answer errors the OpenAI way (400)."""
    schema = CompletionRequest.model_json_schema()
    body = {"schema": _inline(schema, schema.get("$defs", {})), "examples": COMPLETION_EXAMPLES}
    return {"requestBody": {"required": True, "content": {"application/json": body}}}


@router.get("/models")
async def models() -> dict[str, object]:
    """The one model: accords itself (any `model` name is accepted by chat completions and echoed)."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": _STARTED, "owned_by": "accords"}],
    }


@router.post(
    "/chat/completions",
    responses={200: {"content": {"text/event-stream": {}}}},
    openapi_extra=_completion_body(),
)
async def chat_completions(request: Request, responder: ResponderDep, site_key: SiteKeyDep) -> Response:
    """OpenAI chat completions: the last user message is the question; `stream` is supported."""
    try:
        try:
            body = await request.json()
        except ValueError:
            raise OpenAIError(400, "the body must be a JSON object") from None
        parsed, chat, turns = parse(body)
        if parsed.stream:
            chunks = _chunks(responder, chat, turns, parsed.model, site_key)
            return EventSourceResponse(chunks, ping=15)
        try:
            response = await responder.respond(chat, turns, site_key=site_key)
        except StoreUnavailable as error:
            log.warning("store unavailable: %s", error)
            raise OpenAIError(503, "The document store is unavailable; try again shortly.") from error
    except OpenAIError as error:
        return JSONResponse(error.body(), status_code=error.status)
    return JSONResponse(completion(response, parsed.model))


async def _chunks(
    responder: Responder, chat: ChatRequest, turns: list[Turn], model: str, site_key: str | None
) -> AsyncIterator[ServerSentEvent]:
    answer_id = new_answer_id()  # known before the answer: every chunk carries the completion id
    ident = completion_id(answer_id)
    interrupted = False
    yield _data(chunk(ident, model, {"role": "assistant", "content": ""}))
    try:
        async with aclosing(responder.events(chat, turns, site_key=site_key, answer_id=answer_id)) as events:
            async for event in events:
                if isinstance(event, Delta):
                    yield _data(chunk(ident, model, {"content": event.text}))
                elif isinstance(event, Error):
                    interrupted = True
                    yield _data(chunk(ident, model, {"content": f"\n\n({event.message})\n\n"}))
                elif isinstance(event, Done):
                    if interrupted:
                        yield _data(chunk(ident, model, {"content": event.response.answer}))
                    yield _data(chunk(ident, model, {}, finish="stop") | extras(event.response))
    except Exception as error:  # the 200 is out: report in-band, as OpenAI does
        log.exception("streamed completion failed", exc_info=error)
        message = "The answer could not be completed."
        yield _data({"error": {"message": message, "type": "server_error", "param": None, "code": None}})
    yield ServerSentEvent(data="[DONE]")


def _data(payload: dict[str, object]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(payload))
