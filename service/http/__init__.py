"""The HTTP layer every route shares: errors as JSON, body limit, load shedding, security headers, request
logs and metrics. `install_middleware` is the one place that decides their order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.middleware import Middleware

from service.http import errors, headers, logs, metrics
from service.http.bodylimit import BodyLimit
from service.http.errors import STREAMED_PATHS, ApiError, describe_validation
from service.http.shedding import ConcurrencyCap

if TYPE_CHECKING:  # settings import the access package, whose middleware imports this one
    from service.settings import Settings

__all__ = ["ApiError", "describe_validation", "install_middleware", "metrics"]


def install_middleware(app: FastAPI, settings: Settings, access: list[Middleware]) -> None:
    """From the inside out (each `add_middleware` wraps the ones before it):

    1. body limit: a refused body is never read (the admin upload reads its own, within its limits);
    2. concurrency cap on the answer routes: a 503 before any work;
    3. `access` (origins, site keys, rate limits on the chat routes): outside the cap and the body limit,
       so every refusal to an allowed page still carries its CORS headers;
    4. security headers (CSP) on every response, refusals included;
    5. metrics, then the request id outermost, so even a 413, 429 or 503 is counted and carries the id.
    """
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt=STREAMED_PATHS)
    app.add_middleware(ConcurrencyCap, limit=settings.max_concurrent_answers)
    for layer in access:
        app.add_middleware(layer.cls, *layer.args, **layer.kwargs)
    headers.install(app)
    metrics.install(app)
    logs.install(app)
