"""The ASGI middleware that applies `service.access.policy` to the chat routes, and the admin gate to /admin.

Why pure ASGI rather than a FastAPI dependency: a CORS preflight (`OPTIONS`) never reaches a POST-only
route, and the CORS headers must be on *every* response to an allowed page — validation errors, the
413 of the body limit, a 500 — or the widget cannot read why its request failed. Wrapping the whole
app is the one place that sees all of those. Streaming responses pass through untouched apart from
their first headers.

Only `paths` are affected; every other route keeps the same-origin default. The app passes every chat
route (`service.routes.chat_paths`: each route that reaches the responder, `/v1/chat/completions`
included), so one rule covers them all: origin, site key, per-key and per-IP rates; a refusal speaks the
route's dialect (OpenAI's `{"error": ...}` under `/v1/`). A site key may also come as the bearer token,
which is where OpenAI clients put their `api_key`.

`AdminAccess` authenticates every request under /admin the same way, before its body is read; the one
exception is reading the console's page itself (`GET /admin`), a static file that holds no data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.access.admingate import AdminGate, bearer_token
from service.access.policy import SITE_KEY_HEADER, AccessPolicy, Caller
from service.access.sitekeys import PREFIX as SITE_KEY_PREFIX
from service.http import metrics, refusal_body, send_json

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/admin"
STARTING = "the service is starting or stopping"


def caller_of(scope: Scope) -> Caller:
    headers = Headers(scope=scope)
    client = scope.get("client")
    bearer = bearer_token(headers.get("authorization"))
    site_key = (headers.get(SITE_KEY_HEADER) or "").strip() or None
    if site_key is None and bearer is not None and bearer.startswith(SITE_KEY_PREFIX):
        site_key = bearer  # an OpenAI client's api_key
    return Caller(
        origin=headers.get("origin"),
        host=headers.get("host"),
        site_key=site_key,
        client_ip=client[0] if client else "unknown",
        bearer=bearer,
    )


PolicyProvider = Callable[[], "AccessPolicy | None"]
GateProvider = Callable[[], "AdminGate | None"]


class SiteAccess:
    """`policy` gives the policy the lifespan opened (None while the service starts or stops)."""

    def __init__(self, app: ASGIApp, policy: PolicyProvider, paths: Iterable[str]) -> None:
        self.app = app
        self.provider = policy
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        policy = self.provider()
        if policy is None:
            await send_json(send, 503, refusal_body(path, 503, STARTING, "unavailable"))
            return
        caller = caller_of(scope)
        if scope["method"] == "OPTIONS":
            if not caller.cross_origin:  # not a CORS preflight: nothing to decide, nothing to count
                await self.app(scope, receive, send)
                return
            headers = policy.preflight(caller)
            if headers is None:
                await send_json(
                    send, 403, refusal_body(path, 403, "origin not allowed", "origin_not_allowed")
                )
            else:
                await send({"type": "http.response.start", "status": 204, "headers": _raw(headers)})
                await send({"type": "http.response.body", "body": b""})
            return
        verdict = await policy.check_shared(caller)
        refusal = verdict.refusal
        if refusal is not None:
            metrics.REJECTED.labels(refusal.code).inc()
            extra: dict[str, object] = {}
            headers = dict(verdict.headers)
            if refusal.retry_after is not None:
                extra["retry_after"] = refusal.retry_after
                headers["Retry-After"] = str(refusal.retry_after)
            body = refusal_body(path, refusal.status, refusal.detail, refusal.code, extra)
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
            body = refusal_body(scope["path"], 500, "Internal error; it has been logged.", "internal_error")
            await send_json(send, 500, body, extra)


def _raw(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


class AdminAccess:
    """Authenticate every request under /admin before its body is read (`service.access.admingate`)."""

    def __init__(self, app: ASGIApp, gate: GateProvider, prefix: str = ADMIN_PREFIX) -> None:
        """`gate` gives the gate of the runtime the lifespan opened (None while it starts or stops)."""
        self.app = app
        self.provider = gate
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if path != self.prefix and not path.startswith(self.prefix + "/"):
            await self.app(scope, receive, send)
            return
        if path == self.prefix and scope["method"] in ("GET", "HEAD"):  # the console's page: no data
            await self.app(scope, receive, send)
            return
        # The rest of a refused upload may be on its way: close rather than read (and discard) it.
        closing = {"Connection": "close"} if scope["method"] in ("POST", "PUT", "PATCH") else {}
        gate = self.provider()
        if gate is None:
            await send_json(send, 503, {"detail": STARTING, "code": "unavailable"}, closing)
            return
        verdict = gate.check(caller_of(scope))
        refusal = verdict.refusal
        if refusal is not None:
            if refusal.code == "invalid_token":
                log.warning("admin request refused: invalid token (%s %s)", scope["method"], path)
            body = {"detail": refusal.detail, "code": refusal.code}
            await send_json(send, refusal.status, body, {**verdict.headers, **closing})
            return
        await self.app(scope, receive, send)
