"""GET /docs: Swagger UI served from this process, under a Content-Security-Policy that allows only it.

Why not FastAPI's default: it loads Swagger UI's script and stylesheet from a CDN, so the docs break
without internet (the container has none at run time) and the page runs code the project never shipped.
The files come from the `swagger-ui-bundle-v2` package instead. FastAPI's page starts Swagger UI with
one inline script; the CSP allows exactly that script by its hash (computed from the page as served,
so a FastAPI upgrade that changes it cannot silently break the page), and otherwise only this origin.
ReDoc (`/redoc`) is off: no package ships it, and it would load from a CDN too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html, swagger_ui_default_parameters
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

router = APIRouter(include_in_schema=False)
ASSETS = Path(swagger_ui_path)
ASSET_NAMES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"})
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
# Swagger UI's icons are data: URIs in its stylesheet; it needs no inline style (tests/browser checks it).
_CSP = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@lru_cache(maxsize=8)
def docs_page(openapi_url: str, title: str) -> tuple[bytes, str]:
    """The page and its CSP."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
        # No badge from validator.swagger.io: nothing leaves this origin.
        swagger_ui_parameters={**swagger_ui_default_parameters, "validatorUrl": None},
    )
    body = bytes(page.body)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(body.decode())
    )
    return body, _CSP.format(hashes=hashes)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    body, csp = docs_page(request.app.openapi_url or "/openapi.json", f"{request.app.title} - API docs")
    return HTMLResponse(body, headers={"Content-Security-Policy": csp})


@router.get("/docs/assets/{name}")
async def swagger_asset(name: str) -> FileResponse:
    if name not in ASSET_NAMES:
        raise HTTPException(404, f"no such file: {name}")
    return FileResponse(ASSETS / name, headers={"Cache-Control": "public, max-age=86400"})
