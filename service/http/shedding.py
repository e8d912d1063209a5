"""Load shedding for the answer routes: a cap on concurrent answers.

Why a cap: every answer costs CPU (retrieval, sentence scoring) or an LLM slot, and a server that queues
without end answers everyone late, then times them all out. Past `max_concurrent_answers` a request is
refused at once with 503 and `Retry-After`, which clients and load balancers know to retry. The cap is a
plain counter, not an `asyncio.Semaphore`: it never waits (the point is not to queue), and it works the
same under every event loop (tests open several). A streamed answer holds its slot until the stream ends.

`paths` are the chat routes, as `service.routes.chat_paths` finds them (every route that reaches the
responder): the same tuple the access middleware applies its rules to, so no chat route escapes either.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from service.http import metrics
from service.http.errors import refusal_body, send_json

RETRY_AFTER_S = 1
BUSY = "The service is answering as many questions as it can; try again in a moment."


class ConcurrencyCap:
    def __init__(self, app: ASGIApp, limit: int, paths: Iterable[str]) -> None:
        self.app = app
        self.limit = limit
        self.paths = frozenset(paths)
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            metrics.REJECTED.labels("saturated").inc()
            headers = {"Retry-After": str(RETRY_AFTER_S)}
            extra = {"retry_after": RETRY_AFTER_S}
            await send_json(send, 503, refusal_body(scope["path"], 503, BUSY, "overloaded", extra), headers)
            return
        self.active += 1
        metrics.ANSWERS_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1
            metrics.ANSWERS_IN_FLIGHT.dec()
