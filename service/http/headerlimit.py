"""Request header limits: in the HTTP server while the head arrives, and again in the app (431).

Why both: uvicorn's default HTTP parser (httptools, picked when installed) takes a request head of any size;
a 64 MiB header on `GET /health` was accepted, eight at once added 567 MiB to the process. h11 refuses a
head over its `max_incomplete_event_size` while it is still arriving, so `accords serve` runs uvicorn with
h11 and that limit (`SERVER_LIMITS`, 64 KiB; h11's own default is 16 KiB). The middleware is for servers
run other ways (another ASGI server, a test client): more than `MAX_HEADERS` headers or one over
`MAX_HEADER_BYTES` gets 431 before anything else reads them. Neither limit constrains real clients: a
browser's request head is 1-2 KiB.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from service.http.errors import send_json

MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 100
MAX_HEADER_BYTES = 8 * 1024
# For uvicorn.Config / uvicorn.run: the parser that enforces a head limit, and the limit.
SERVER_LIMITS: dict[str, Any] = {"http": "h11", "h11_max_incomplete_event_size": MAX_HEAD_BYTES}


class HeaderLimit:
    def __init__(
        self, app: ASGIApp, max_headers: int = MAX_HEADERS, max_bytes: int = MAX_HEADER_BYTES
    ) -> None:
        self.app = app
        self.max_headers = max_headers
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            if len(headers) > self.max_headers:
                detail = f"too many request headers: at most {self.max_headers}"
                await send_json(send, 431, {"detail": detail, "code": "headers_too_large"})
                return
            if any(len(name) + len(value) > self.max_bytes for name, value in headers):
                detail = f"a request header is larger than {self.max_bytes} bytes"
                await send_json(send, 431, {"detail": detail, "code": "headers_too_large"})
                return
        await self.app(scope, receive, send)
