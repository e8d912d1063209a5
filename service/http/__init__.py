"""The HTTP layer every route shares: errors as JSON, body limit, load shedding, security headers, request
logs and metrics. `install_middleware` is the one place that decides their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import BaseRoute

from service.http import errors, headers, logs, metrics
from service.http.bodylimit import BodyLimit
from service.http.errors import STREAMED_PATHS, ApiError, describe_validation, refusal_body, send_json
from service.http.headerlimit import SERVER_LIMITS, HeaderLimit
from service.http.jsonbody import MAX_JSON_DEPTH, JsonBodies, json_too_deep
from service.http.shedding import ConcurrencyCap

if TYPE_CHECKING:  # settings import the access package, whose middleware imports this one
    from service.settings import Settings

__all__ = [
    "MAX_JSON_DEPTH",
    "SERVER_LIMITS",
    "STREAMED_PATHS",
    "ApiError",
    "describe_validation",
    "install_middleware",
    "json_too_deep",
    "metrics",
    "refusal_body",
    "send_json",
]


def install_middleware(
    app: FastAPI,
    settings: Settings,
    access: list[Middleware],
    chat_paths: tuple[str, ...],
    routes: Sequence[BaseRoute],
) -> None:
    """From the inside out (each `add_middleware` wraps the ones before it):

    1. JSON bodies: `application/json` (415) and at most 32 levels deep (400), on every route of `routes`
       that takes a body, but the multipart uploads; inside the body limit, which bounds what it reads;
    2. body limit: a refused body is never read (the admin upload reads its own, within its limits);
    3. concurrency cap on the chat routes (`chat_paths`): a 503 before any work;
    4. `access` (origins, site keys, rate limits on the same `chat_paths`; admin authentication on
       /admin): outside the cap and the body limit, so a refusal comes before the body is read and every
       refusal to an allowed page still carries its CORS headers;
    5. header limits (431), then allowed hosts (ACCORDS_ALLOWED_HOSTS; 400 for another Host): before
       anything else looks at the request;
    6. security headers (CSP) on every response, refusals included;
    7. metrics, then the request id outermost, so even a 413, 429 or 503 is counted and carries the id.
    """
    errors.install(app)
    app.add_middleware(JsonBodies, routes=routes, exempt=STREAMED_PATHS)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt=STREAMED_PATHS)
    app.add_middleware(ConcurrencyCap, limit=settings.max_concurrent_answers, paths=chat_paths)
    for layer in access:
        app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
    app.add_middleware(HeaderLimit)
    hosts = [host.strip() for host in settings.allowed_hosts.split(",") if host.strip()]
    if hosts and "*" not in hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    headers.install(app)
    metrics.install(app)
    logs.install(app)
