"""The embeddable widget: its script, the status check it makes after a failure, and a demo page.

Why the service serves the script itself: the embed must not depend on a CDN, and the widget sends its
requests to the origin it was loaded from, so script and API always come from the same place. The file
is read from the package (`service/static/`) and re-read only when it changes on disk.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.access import AccessPolicy
from service.siteaccess import caller_of

router = APIRouter(tags=["widget"])
STATIC = Path(__file__).resolve().parents[1] / "static"
_KEY_SHAPE = re.compile(r"^pk_[A-Za-z0-9_-]{1,100}$")
# The demo page runs no script but the widget's, and connects nowhere else: it doubles as proof that the
# widget works under a strict Content-Security-Policy.
DEMO_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


@lru_cache(maxsize=4)
def _load(path: Path, signature: tuple[int, int]) -> tuple[bytes, str]:
    data = path.read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def static_file(name: str) -> tuple[bytes, str]:
    """The bytes of a static file and their ETag, cached until the file changes."""
    path = STATIC / name
    stat = path.stat()
    return _load(path, (stat.st_mtime_ns, stat.st_size))


@router.get("/widget.js", response_class=Response, responses={200: {"content": {"text/javascript": {}}}})
async def widget_js(request: Request) -> Response:
    """The chat widget, one self-contained file: `<script src=".../widget.js" data-site-key=...>`."""
    data, etag = static_file("widget.js")
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
async def widget_status(request: Request, site_key: str = "") -> JSONResponse:
    """Whether the calling page (its Origin) may chat with `site_key`: the widget asks after a failure."""
    policy: AccessPolicy = request.app.state.access
    caller = replace(caller_of(request.scope), site_key=site_key.strip() or None)
    return JSONResponse(
        policy.status(caller),
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )


@router.get("/demo", response_class=HTMLResponse)
async def demo(request: Request, site_key: str = "") -> HTMLResponse:
    """A page that embeds the widget the way a third-party site would (`?site_key=pk_...` to use one)."""
    key = site_key if _KEY_SHAPE.match(site_key) else ""
    base = str(request.base_url).rstrip("/")
    snippet = f'<script src="{base}/widget.js" data-site-key="{key or "pk_..."}" async></script>'
    note = ""
    if request.app.state.settings.require_site_key and not key:
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
