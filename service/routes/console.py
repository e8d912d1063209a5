"""The admin console: one static page at /admin, its script modules and stylesheet (service/static/console/).

Why a static page and no build step: the console is a client of the admin API like curl is; it holds no
data of its own, so the page itself needs no authentication (the access middleware lets `GET /admin`
through and nothing else under /admin). The admin key is typed in, kept in sessionStorage and sent as
`Authorization: Bearer` by the script; it never appears in a URL.

The script is native ES modules (`main.js` imports the others), one per concern, so each stays a readable
size without a bundler. `/console/{name}` serves only the names listed once from the folder (its `.js`
files and `console.css`): the URL's name is looked up in that list, never joined to a path, so nothing
outside it can be reached.

The page gets its own Content-Security-Policy: script and styles only from this origin (no inline script,
no inline style attribute), requests only to this origin, no framing. Every value the script shows goes
in as text (`textContent`), never as markup.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from service.routes.widget import STATIC, static_file

router = APIRouter(include_in_schema=False)
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@cache
def console_assets() -> dict[str, str]:
    """Every file `/console/` may serve, name → media type: the folder's scripts and stylesheet."""
    folder = STATIC / "console"
    return {
        path.name: MEDIA_TYPES[path.suffix]
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix in MEDIA_TYPES
    }


@router.get("/admin", response_class=HTMLResponse)
async def console_page() -> HTMLResponse:
    """The console's page (sign in with an admin key; everything else is the admin API)."""
    page, _ = static_file("console/index.html")
    return HTMLResponse(page, headers={"Content-Security-Policy": CONSOLE_CSP, "Cache-Control": "no-store"})


@router.get("/console/{name}")
async def console_asset(name: str, request: Request) -> Response:
    """The console's script modules and stylesheet (public files: they hold no data)."""
    media_type = console_assets().get(name)
    if media_type is None:
        raise HTTPException(404, f"no console file {name!r}")
    data, etag = static_file(f"console/{name}")
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media_type, headers=headers)
