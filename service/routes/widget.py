"""The embeddable widget: its script, the status check it makes after a failure, and a demo page.

Why the service serves the script itself: the embed must not depend on a CDN, and the widget sends its
requests to the origin it was loaded from, so script and API always come from the same place. Files are
read from the package (`service/static/`) and re-read only when they change on disk.

The script's source is in parts (`service/static/widget/`, joined in the order `parts.txt` lists) so that
its pure logic can be unit-tested under node (tests/js/); the service joins them into one function scope,
so the page still loads one file with no build step and no globals of ours.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from service.access import caller_of
from service.deps import AccessDep, SettingsDep

router = APIRouter(tags=["widget"])
STATIC = Path(__file__).resolve().parents[1] / "static"
_KEY_SHAPE = re.compile(r"^pk_[A-Za-z0-9_-]{1,100}$")
# The demo page runs no script but the widget's, and connects nowhere else: it doubles as proof that the
# widget works under a strict Content-Security-Policy.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


WIDGET_PARTS = STATIC / "widget"
# Around the parts: one IIFE, so they share a scope and nothing leaks to the page. Each part ends with a
# node-only export (and may start with a node-only require) guarded on `module`: shadowing it keeps those
# lines dead even on a page that defines a global `module`.
_WIDGET_OPEN = b"""/*! accords chat widget. Vanilla JS, no build step; it loads nothing but its own requests.
 *   <script src="https://HOST/widget.js" data-site-key="pk_..." async></script>  (options: embed.js below)
 * Joined by the service from service/static/widget/, each part marked "// ---- NAME". */
(() => {
"use strict";
const module = undefined;
"""
_WIDGET_CLOSE = b"})();\n"


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _signature(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return path.name, stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=64)  # the widget's files and the console's modules, each a few KB, each changed version
def _load(path: Path, signature: tuple[str, int, int]) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, _etag(data)


@lru_cache(maxsize=4)
def _manifest(signature: tuple[str, int, int]) -> tuple[str, ...]:
    lines = (WIDGET_PARTS / "parts.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))


@lru_cache(maxsize=4)
def _join(signatures: tuple[tuple[str, int, int], ...]) -> tuple[bytes, str]:
    pieces = [_WIDGET_OPEN]
    for name, _, _ in signatures:
        pieces += [b"\n// ---- ", name.encode(), b"\n", (WIDGET_PARTS / name).read_bytes(), b"\n"]
    data = b"".join([*pieces, _WIDGET_CLOSE])
    return data, _etag(data)


def widget_file() -> tuple[bytes, str]:
    """The joined widget script and its ETag, joined again only when `parts.txt` or a part changes."""
    names = _manifest(_signature(WIDGET_PARTS / "parts.txt"))
    return _join(tuple(_signature(WIDGET_PARTS / name) for name in names))


def widget_script() -> bytes:
    """The widget script exactly as `/widget.js` serves it (the browser tests' stub serves it too)."""
    return widget_file()[0]


def static_file(name: str) -> tuple[bytes, str]:
    """The bytes of a static file and their ETag, cached until the file changes."""
    path = STATIC / name
    return _load(path, _signature(path))


@router.get("/widget.js", response_class=Response, responses={200: {"content": {"text/javascript": {}}}})
async def widget_js(request: Request) -> Response:
    """The chat widget, one self-contained file: `<script src=".../widget.js" data-site-key=...>`."""
    data, etag = widget_file()
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",  # public file; lets pages use crossorigin/integrity
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="text/javascript; charset=utf-8", headers=headers)


@router.get("/widget/status")
async def widget_status(request: Request, policy: AccessDep, site_key: str = "") -> JSONResponse:
    """Whether the calling page (its Origin) may chat with `site_key`: the widget asks after a failure."""
    caller = replace(caller_of(request.scope), site_key=site_key.strip() or None)
    return JSONResponse(
        policy.status(caller),
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )


@router.get("/", include_in_schema=False)
async def home(request: Request) -> RedirectResponse:
    """A browser opening the service's address lands on the demo page (the API docs are at /docs)."""
    return RedirectResponse(f"{request.scope.get('root_path', '')}/demo", status_code=302)


@router.get("/demo", response_class=HTMLResponse)
async def demo(request: Request, settings: SettingsDep, site_key: str = "") -> HTMLResponse:
    """A page that embeds the widget the way a third-party site would (`?site_key=pk_...` to use one)."""
    key = site_key if _KEY_SHAPE.match(site_key) else ""
    base = str(request.base_url).rstrip("/")
    snippet = f'<script src="{base}/widget.js" data-site-key="{key or "pk_..."}" async></script>'
    note = ""
    if settings.require_site_key and not key:
        note = (
            "<p class=note>This service requires a site key (ACCORDS_REQUIRE_SITE_KEY): open "
            "<code>/demo?site_key=pk_...</code> with a key from <code>accords keys create</code>.</p>"
        )
    page = static_file("demo.html")[0].decode("utf-8")
    page = (
        page.replace("{{widget_src}}", html.escape(f"{base}/widget.js"))
        .replace("{{site_key}}", html.escape(key))
        .replace("{{snippet}}", html.escape(snippet))
        .replace("{{note}}", note)
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": DEMO_CSP, "Cache-Control": "no-store"})
