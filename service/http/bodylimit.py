"""Request size limit, enforced before the body is read (a 10 MB JSON never reaches the parser).

Hand-written as a few lines of pure ASGI because Starlette has no body-size setting and the check must
cover chunked uploads that send no Content-Length.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.errors import refusal_body, send_json


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, exempt: Iterable[str] = ()) -> None:
        """`exempt`: path prefixes of routes that limit their own bodies (the admin API's uploads)."""
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.exempt and scope["path"].startswith(self.exempt)):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        path = scope.get("path", "")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send, path)
            return
        seen = 0
        started = False
        rejected = False

        # Raising from `receive` is not enough: FastAPI turns any error while it reads the body into a 400
        # ("There was an error parsing the body"). So the 413 is sent here, the app is told the client
        # went away, and whatever it answers to that is dropped.
        async def counting_receive() -> Message:
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    if started:
                        raise BodyTooLarge  # too late for a 413: abort the request
                    rejected = True
                    await self._reject(send, path)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            pass  # the response had begun: nothing more can be said, the request is cut short
        except Exception:
            if not rejected:  # after the 413, errors are the app's reaction to the disconnect
                raise

    async def _reject(self, send: Send, path: str) -> None:
        detail = f"request body is larger than {self.max_bytes} bytes"
        await send_json(send, 413, refusal_body(path, 413, detail, "too_large"))
