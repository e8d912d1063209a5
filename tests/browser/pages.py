"""Host pages: third-party sites that embed the widget, each a different way of pasting the snippet.

Pages name site keys by role (``{main}``, ``{blocked}``, ``{limited}``); the real service and the stub
each fill in their own keys. ``/NAME`` embeds the real service's widget, ``/stub/NAME`` the stub's.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

HOST_CSS_RESET = """
* { all: unset !important; }
html { font-size: 40px; }
button { background: red !important; padding: 40px !important; font-size: 3rem !important; }
"""

# name -> (attributes of the widget's <script>, extra <head>, extra <body> content, script in head?)
HOST_PAGES: dict[str, tuple[dict[str, str] | None, str, str, bool]] = {
    "basic": ({"data-site-key": "{main}"}, "", "", True),
    "bare": (None, "", "", False),
    "hostile-css": ({"data-site-key": "{main}"}, f"<style>{HOST_CSS_RESET}</style>", "", False),
    "inline": (
        {"data-site-key": "{main}"},
        "",
        '<accords-chat site-key="{main}" title="Treaty helper" greeting="Hello from the inline chat"'
        ' placeholder="Type your treaty question"></accords-chat>',
        False,
    ),
    "custom": (
        {
            "data-site-key": "{main}",
            "data-title": "Treaty desk",
            "data-greeting": "Welcome to the treaty desk.",
            "data-placeholder": "What do you want to know?",
            "data-position": "bottom-left",
            "data-primary-color": "#0a7d38",
            "data-open": "",
        },
        "",
        "",
        False,
    ),
    "bad-color": (
        {"data-site-key": "{main}", "data-primary-color": "red; background: url(http://evil.example/x)"},
        "",
        "",
        False,
    ),
    "french": ({"data-site-key": "{main}", "data-lang": "fr", "data-open": ""}, "", "", False),
    "german-custom": (
        {"data-site-key": "{main}", "data-lang": "de-AT", "data-open": "", "data-strings": '{"send": "Los"}'},
        "",
        "",
        False,
    ),
    "blocked-key": ({"data-site-key": "{blocked}"}, "", "", False),
    "limited": ({"data-site-key": "{limited}"}, "", "", False),
}


def _fill(text: str, keys: Mapping[str, str]) -> str:
    for role, key in keys.items():
        text = text.replace("{" + role + "}", key)
    return text


def host_page(service_url: str, keys: Mapping[str, str], name: str) -> str:
    script_attrs, head, body, in_head = HOST_PAGES[name]
    script = ""
    if script_attrs is not None:
        attrs = "".join(f' {k}="{html.escape(_fill(v, keys))}"' for k, v in script_attrs.items())
        script = f'<script src="{html.escape(service_url)}/widget.js"{attrs} async></script>'
        if name == "basic":
            script += script.replace(" async>", ' async data-copy="2">')  # pasted twice: one launcher
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host page {name}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
{head}{script if in_head else ""}</head>
<body>
<h1>Host page: {name}</h1>
<p class="host-text">Some host content with <a href="#top">a link</a> and <a href="#more">another</a>.</p>
<button class="send chip panel launcher" type="button">Host button</button>
{_fill(body, keys)}
<p>More host content.</p>
{"" if in_head else script}
</body></html>"""


def host_app(services: Mapping[str, tuple[str, Mapping[str, str]]]) -> Starlette:
    """The host-page site. ``services`` maps "real"/"stub" to (service URL, role -> site key); it is
    read at request time, so a service needs to run only once a test opens a page that embeds it."""

    def page(which: str) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            name = request.path_params["name"]
            if name not in HOST_PAGES or which not in services:
                return HTMLResponse("not found", status_code=404)
            url, keys = services[which]
            return HTMLResponse(host_page(url, keys, name))

        return serve

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/favicon.ico", favicon),
            Route("/stub/{name}", page("stub")),
            Route("/{name}", page("real")),
        ]
    )
