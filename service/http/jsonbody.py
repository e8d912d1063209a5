"""JSON bodies: sent as JSON (415 otherwise) and nested at most `MAX_JSON_DEPTH` levels (400 otherwise).

Why the media type is enforced for every route that takes a body (multipart uploads excepted): a page
anywhere can POST `text/plain` or a form without a CORS preflight, so a route that parses such a body as
JSON would compute answers for any web page. `application/json` forces the preflight, which only the
chat routes answer, and only for the origins of site keys.

Why a depth limit: Python's JSON parser recurses per level, so 1,000 nested brackets (2 KB) raise
RecursionError, which is a 500 wherever a route parses the body itself. Real bodies nest 4 levels (an
OpenAI message's content parts); 32 is plenty. The check is a scan of the raw bytes, strings skipped,
before anything parses it: the body is read here (it is small: `BodyLimit`, outside this layer, bounds
it) and handed on unchanged. `json_too_deep` is the same check for JSON that arrives another way (the
admin upload's `metadata` field).

Pure ASGI, one place for every route: it is given the app's routes, and requests that none of them takes
(a 404, or a 405 for another method) are left to the router, so those answers stay what they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import refusal_body, send_json

MAX_JSON_DEPTH = 32
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
NOT_JSON = "send the request as JSON (Content-Type: application/json)"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")


def json_too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects more than `limit` levels deep (malformed text is
    judged by its brackets; the parser reports the rest)."""
    data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(0, depth - 1)
    return False


def is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


class JsonBodies:
    def __init__(
        self,
        app: ASGIApp,
        routes: Iterable[BaseRoute],
        exempt: Iterable[str] = (),
        max_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        """`routes`: the app's; `exempt`: path prefixes of routes whose bodies are not JSON (the admin API's
        multipart uploads)."""
        self.app = app
        self.routes: list[tuple[frozenset[str], re.Pattern[str]]] = []
        for route in routes:
            methods, regex = getattr(route, "methods", None) or set(), getattr(route, "path_regex", None)
            if BODY_METHODS & set(methods) and isinstance(regex, re.Pattern):
                self.routes.append((BODY_METHODS & set(methods), regex))
        self.exempt = tuple(exempt)
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or (self.exempt and scope["path"].startswith(self.exempt))
            or not self._routed(scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        content_type = dict(scope["headers"]).get(b"content-type", b"").decode("latin-1")
        if not is_json(content_type):
            await send_json(send, 415, refusal_body(path, 415, NOT_JSON, "unsupported_media_type"))
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left (or the body limit answered 413): nothing more to say
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_too_deep(body, self.max_depth):
            detail = f"the JSON body is nested more than {self.max_depth} levels deep"
            await send_json(send, 400, refusal_body(path, 400, detail, "bad_request"))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # later calls wait for the disconnect, as streams do
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _routed(self, method: str, path: str) -> bool:
        """Whether a route takes this method at this path (else the router's 404 or 405 stands)."""
        return any(method in methods and regex.match(path) for methods, regex in self.routes)
