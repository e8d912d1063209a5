"""The ASGI middleware that applies `service.access.policy` to the chat routes.

Why pure ASGI rather than a FastAPI dependency: a CORS preflight (`OPTIONS`) never reaches a POST-only
route, and the CORS headers must be on *every* response to an allowed page — validation errors, the
413 of the body limit, a 500 — or the widget cannot read why its request failed. Wrapping the whole
app is the one place that sees all of those. Streaming responses pass through untouched apart from
their first headers.

Only `paths` are affected; every other route keeps the same-origin default. To open another chat route
to keyed sites (e.g. `/v1/chat/completions`), add its path to `KEYED_PATHS` or pass `paths=`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.access.policy import SITE_KEY_HEADER, AccessPolicy, Caller
from service.http import metrics
from service.http.errors import send_json

log = logging.getLogger(__name__)
KEYED_PATHS: tuple[str, ...] = ("/chat", "/chat/stream")


def caller_of(scope: Scope) -> Caller:
    headers = Headers(scope=scope)
    client = scope.get("client")
    return Caller(
        origin=headers.get("origin"),
        host=headers.get("host"),
        site_key=(headers.get(SITE_KEY_HEADER) or "").strip() or None,
        client_ip=client[0] if client else "unknown",
    )


PolicyProvider = Callable[[], "AccessPolicy | None"]


class SiteAccess:
    """`policy` gives the policy the lifespan opened (None while the service starts or stops)."""

    def __init__(self, app: ASGIApp, policy: PolicyProvider, paths: Iterable[str] = KEYED_PATHS) -> None:
        self.app = app
        self.provider = policy
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        policy = self.provider()
        if policy is None:
            await send_json(
                send, 503, {"detail": "the service is starting or stopping", "code": "unavailable"}
            )
            return
        caller = caller_of(scope)
        if scope["method"] == "OPTIONS":
            if not caller.cross_origin:  # not a CORS preflight: nothing to decide, nothing to count
                await self.app(scope, receive, send)
                return
            headers = policy.preflight(caller)
            if headers is None:
                await send_json(send, 403, {"detail": "origin not allowed", "code": "origin_not_allowed"})
            else:
                await send({"type": "http.response.start", "status": 204, "headers": _raw(headers)})
                await send({"type": "http.response.body", "body": b""})
            return
        verdict = policy.check(caller)
        refusal = verdict.refusal
        if refusal is not None:
            metrics.REJECTED.labels(refusal.code).inc()
            body: dict[str, object] = {"detail": refusal.detail, "code": refusal.code}
            headers = dict(verdict.headers)
            if refusal.retry_after is not None:
                body["retry_after"] = refusal.retry_after
                headers["Retry-After"] = str(refusal.retry_after)
            await send_json(send, refusal.status, body, headers)
            return
        await self._forward(scope, receive, send, verdict.headers)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, extra: Mapping[str, str]) -> None:
        started = False

        async def send_with_cors(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name == "Vary":
                        headers.add_vary_header(value)
                    else:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_cors)
        except Exception:
            # Starlette's last-resort 500 is sent from outside this middleware, without CORS headers:
            # answer here instead, so the page can show the error rather than a network failure.
            if started:
                raise
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            body = {"detail": "Internal error; it has been logged.", "code": "internal_error"}
            await send_json(send, 500, body, extra)


def _raw(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


OPENAI_PATH = "/v1/chat/completions"
STARTING = "The service is starting or stopping; try again in a moment."


def _openai_error(message: str, kind: str, code: str) -> dict[str, object]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class OpenAIRateLimit:
    """The per-IP limit of `service.access.middleware`, on the keyless OpenAI-compatible route."""

    def __init__(self, app: ASGIApp, policy: PolicyProvider) -> None:
        self.app = app
        self.provider = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != OPENAI_PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        policy = self.provider()
        if policy is None:
            await send_json(send, 503, _openai_error(STARTING, "server_error", "unavailable"))
            return
        wait = policy.limiter.hit(caller_of(scope).client_ip, None)
        if wait is not None:
            metrics.REJECTED.labels("rate_limited").inc()
            message = f"Too many requests; try again in {wait} s."
            body = _openai_error(message, "requests", "rate_limit_exceeded")
            await send_json(send, 429, body, {"Retry-After": str(wait)})
            return
        await self.app(scope, receive, send)
