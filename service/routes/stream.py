"""POST /chat/stream: the same answer as /chat, as Server-Sent Events while it is being written.

Events: `sources` (the list, first), `delta` ({"text"} pieces of the answer), `done` (the complete /chat
response), and `error` ({"message"}) if something fails after the stream began. sse-starlette sends a
keep-alive comment every 15 s, so clients that give up on silence (the widget waits 60 s) do not.

The events come from the `Responder` (LLM or extractive, with the fallback). A client that disconnects
makes sse-starlette cancel this generator; the cancellation unwinds the answer and closes the upstream
LLM request with it, and is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

from fastapi import APIRouter
from sse_starlette import EventSourceResponse, ServerSentEvent

from ingest.store import StoreUnavailable
from service.chat import Delta, Error, Event, Responder, Sources
from service.deps import ResponderDep, SiteKeyDep
from service.routes.chat import ERRORS, ChatBody
from service.schemas import ChatRequest

router = APIRouter(tags=["chat"])
log = logging.getLogger(__name__)


@router.post(
    "/chat/stream",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def chat_stream(body: ChatBody, responder: ResponderDep, site_key: SiteKeyDep) -> EventSourceResponse:
    """Stream the answer: `sources`, then `delta` events, then `done` with the full /chat response."""
    return EventSourceResponse(_events(responder, body, site_key), ping=15)


async def _events(
    responder: Responder, body: ChatRequest, site_key: str | None
) -> AsyncIterator[ServerSentEvent]:
    started = time.monotonic()
    try:
        async with aclosing(responder.events(body, site_key=site_key)) as events:
            async for event in events:
                yield _encode(event)
    except (asyncio.CancelledError, GeneratorExit):
        log.info("client disconnected after %.2f s: answer cancelled", time.monotonic() - started)
        raise
    except Exception as error:  # after the 200 went out, failures can only be reported in-band
        log.exception("streamed answer failed", exc_info=error)
        yield ServerSentEvent(json.dumps({"message": _message(error)}), event="error")


def _encode(event: Event) -> ServerSentEvent:
    if isinstance(event, Sources):
        return ServerSentEvent(json.dumps([s.model_dump() for s in event.sources]), event="sources")
    if isinstance(event, Delta):
        return ServerSentEvent(json.dumps({"text": event.text}), event="delta")
    if isinstance(event, Error):
        return ServerSentEvent(json.dumps({"message": event.message}), event="error")
    return ServerSentEvent(event.response.model_dump_json(), event="done")


def _message(error: Exception) -> str:
    if isinstance(error, StoreUnavailable):
        return "The document store is unavailable; try again shortly."
    return "The answer could not be completed."
