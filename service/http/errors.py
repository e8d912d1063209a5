"""Errors as JSON a client can show: `{"detail": message, "code": ...}`, never a stack trace.

Bad input is the client's to fix (4xx naming the field), a missing store or embeddings server is
temporary (503), and anything unexpected is logged with its traceback server-side and answered with a
plain 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from ingest.embedders import EmbeddingsUnavailable
from ingest.store import StoreUnavailable

log = logging.getLogger(__name__)
# Routes that read their own (large) bodies within their own limits: the body limit skips them, and a
# refusal closes the connection rather than read (and discard) gigabytes to keep it alive.
STREAMED_PATHS = ("/admin/documents",)
_KINDS = (("body",), ("query",), ("path",), ("header",), ("cookie",))


class ApiError(HTTPException):
    """A route's refusal with its own machine-readable `code` (and optional extra body fields)."""

    def __init__(
        self,
        status: int,
        detail: str,
        code: str,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(status, detail, dict(headers) if headers else None)
        self.code = code
        self.extra = dict(extra or {})

    def response(self) -> JSONResponse:
        body = {"detail": self.detail, "code": self.code, **self.extra}
        return JSONResponse(body, status_code=self.status_code, headers=self.headers)


def error(status: int, detail: str, code: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "code": code}, status_code=status, headers=headers)


async def send_json(
    send: Send, status: int, body: Mapping[str, object], headers: Mapping[str, str] | None = None
) -> None:
    raw = json.dumps(body).encode()
    response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    response_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": raw})


# Routes under this prefix speak OpenAI's dialect, refusals included: `{"error": {...}}`, as its SDKs expect.
OPENAI_PREFIX = "/v1/"
_OPENAI_CODES = {"rate_limited": "rate_limit_exceeded"}  # the code OpenAI's SDKs raise RateLimitError for


def refusal_body(
    path: str, status: int, detail: str, code: str, extra: Mapping[str, object] | None = None
) -> dict[str, object]:
    """A middleware's refusal in the dialect of the route it refuses: OpenAI's under `/v1/`, else ours."""
    if path.startswith(OPENAI_PREFIX):
        kind = "requests" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
        error = {"message": detail, "type": kind, "param": None, "code": _OPENAI_CODES.get(code, code)}
        return {"error": error}
    return {"detail": detail, "code": code, **(extra or {})}


def describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for item in exc.errors():
        loc = tuple(item.get("loc", ()))
        if item.get("type") == "json_invalid":  # loc is ("body", character offset)
            reason = (item.get("ctx") or {}).get("error", "JSON decode error")
            problems.append(f"the body is not valid JSON: {reason} at character {loc[-1] if loc else 0}")
            continue
        # Drop the leading location kind only: a field may itself be called "path" (the admin API's is).
        location = ".".join(str(part) for part in (loc[1:] if loc[:1] in _KINDS else loc))
        if not location and loc[:1] == ("body",):
            location = "body"  # the body as a whole: missing, or not a JSON object
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        problems.append(f"{location}: {message}" if location else message)
    return "; ".join(problems) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _refused(request: Request, exc: ApiError) -> JSONResponse:
        response = exc.response()
        if request.url.path.startswith(STREAMED_PATHS) and request.method in ("POST", "PUT"):
            response.headers["Connection"] = "close"  # the rest of a refused upload may be on its way
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, describe_validation(exc), "invalid_request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            400: "bad_request",
            404: "not_found",
            405: "method_not_allowed",
            413: "too_large",
            415: "unsupported_media_type",
            422: "invalid_request",
            503: "unavailable",
        }
        return error(exc.status_code, str(exc.detail), code.get(exc.status_code, "error"), exc.headers)

    @app.exception_handler(StoreUnavailable)
    async def _store(_: Request, exc: StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable: %s", exc)
        return error(
            503,
            "The document store is unavailable; try again shortly.",
            "store_unavailable",
            {"Retry-After": "5"},
        )

    @app.exception_handler(EmbeddingsUnavailable)
    async def _embeddings(_: Request, exc: EmbeddingsUnavailable) -> JSONResponse:
        log.warning("embeddings unavailable: %s", exc)
        return error(
            503,
            "The embeddings server is unavailable; try again shortly.",
            "embeddings_unavailable",
            {"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return error(500, "Internal error; it has been logged.", "internal_error")
