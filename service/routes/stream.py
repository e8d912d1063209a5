"""POST /chat/stream: the same answer as /chat, as Server-Sent Events while it is being written.

Events: `sources` (the list, first), `delta` ({"text"} pieces of the answer), `done` (the complete /chat
response), and `error` ({"message"}) if something fails after the stream began. sse-starlette sends a
keep-alive comment every 15 s, so clients that give up on silence (the widget waits 60 s) do not.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from service.deps import EngineDep
from service.routes.chat import ERRORS, require_json
from service.schemas import ChatRequest

router = APIRouter(tags=["chat"])
_PIECE = re.compile(r"\S+\s*")  # an extractive answer streams word by word


@router.post(
    "/chat/stream",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
    dependencies=[Depends(require_json)],
)
async def chat_stream(body: ChatRequest, engine: EngineDep) -> EventSourceResponse:
    """Stream the answer: `sources`, then `delta` events, then `done` with the full /chat response."""
    return EventSourceResponse(_events(engine, body), ping=15)


async def _events(engine: EngineDep, body: ChatRequest) -> AsyncIterator[ServerSentEvent]:
    try:
        response = await run_in_threadpool(engine.chat, body)
    except Exception as error:  # after the 200 went out, failures can only be reported in-band
        yield ServerSentEvent(json.dumps({"message": _message(error)}), event="error")
        return
    yield ServerSentEvent(json.dumps([s.model_dump() for s in response.sources]), event="sources")
    for piece in _PIECE.findall(response.answer):
        yield ServerSentEvent(json.dumps({"text": piece}), event="delta")
    yield ServerSentEvent(response.model_dump_json(), event="done")


def _message(error: Exception) -> str:
    from ingest.chroma import StoreUnavailable

    if isinstance(error, StoreUnavailable):
        return "The document store is unavailable; try again shortly."
    return "The answer could not be completed."
