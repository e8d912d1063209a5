"""Security headers on every response, and a Content-Security-Policy on every HTML page.

Why: the service serves HTML (`/demo`, `/docs`, `/admin`) on the same origin as the chat API, so a page
that could be framed, sniffed into another type or made to run foreign script would act with that origin's
rights. Every response gets `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`; an HTML
page also gets a CSP and `X-Frame-Options`. A route that knows what its page needs sets its own CSP (the
demo page, Swagger UI, the admin console) and is left alone; any other HTML (an error page, a future
route) gets one that allows nothing at all. `X-Frame-Options` follows the CSP's `frame-ancestors` for old
browsers.

A few lines of pure ASGI rather than a library: the rule "only HTML, and never override the route"
needs to see the response's own headers, which the header libraries do not offer.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
ALWAYS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    csp = headers.setdefault("Content-Security-Policy", STRICT_CSP)
                    framing = "SAMEORIGIN" if "frame-ancestors 'self'" in csp else "DENY"
                    headers.setdefault("X-Frame-Options", framing)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)
