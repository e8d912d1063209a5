"""Fixtures for the widget's browser tests: a service, host pages on other origins, and Chromium.

The tests only ever use ``service_url`` to reach the service. Today it is the scripted stub in
``stub_service.py``; set ``ACCORDS_SERVICE_URL`` (or replace the fixture) to point the same tests at
the real service, which must then allow site key ``pk_test`` from ``page_origin``.

Two host-page servers run on their own ports: ``page_origin`` (allowed to use ``pk_test``) and
``foreign_origin`` (not allowed), both serving the pages in ``HOST_PAGES``.
"""

from __future__ import annotations

import html
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .stub_service import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SITE_KEY = "pk_test"

_screenshot_dir: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the embeddable widget in headless Chromium")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _screenshot_dir is not None:
        terminalreporter.write_line(f"accords widget screenshots: {_screenshot_dir}")


# ------------------------------------------------------------------------------------ servers


def _bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def _origin(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


class ServerThread:
    """uvicorn serving ``app`` on an already-bound socket, in a daemon thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> ServerThread:
        self.thread.start()
        for _ in range(500):
            if self.server.started or not self.thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not self.server.started:
            raise RuntimeError("test server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="session")
def _sockets() -> Iterator[dict[str, socket.socket]]:
    # Bound up front so every server knows the others' origins before any of them starts.
    socks = {"page": _bind(), "foreign": _bind(), "service": _bind()}
    yield socks
    for sock in socks.values():
        sock.close()


@pytest.fixture(scope="session")
def page_origin(_sockets: dict[str, socket.socket]) -> str:
    return _origin(_sockets["page"])


@pytest.fixture(scope="session")
def foreign_origin(_sockets: dict[str, socket.socket]) -> str:
    return _origin(_sockets["foreign"])


@pytest.fixture(scope="session")
def service_url(_sockets: dict[str, socket.socket], page_origin: str) -> Iterator[str]:
    """Base URL of the service the widget talks to (serves /widget.js, /chat/stream, ...)."""
    external = os.environ.get("ACCORDS_SERVICE_URL")
    if external:
        yield external.rstrip("/")
        return
    app = create_app({SITE_KEY: {page_origin}, "pk_blocked": set()})
    with ServerThread(app, _sockets["service"]):
        yield _origin(_sockets["service"])


# ------------------------------------------------------------------------------------ host pages

HOST_CSS_RESET = """
* { all: unset !important; }
html { font-size: 40px; }
button { background: red !important; padding: 40px !important; font-size: 3rem !important; }
"""

# name -> (attributes of the widget's <script>, extra <head>, extra <body> content, script in head?)
HOST_PAGES: dict[str, tuple[dict[str, str] | None, str, str, bool]] = {
    "basic": ({"data-site-key": SITE_KEY}, "", "", True),
    "bare": (None, "", "", False),
    "hostile-css": ({"data-site-key": SITE_KEY}, f"<style>{HOST_CSS_RESET}</style>", "", False),
    "inline": (
        {"data-site-key": SITE_KEY},
        "",
        '<accords-chat site-key="pk_test" title="Treaty helper" greeting="Hello from the inline chat"'
        ' placeholder="Type your treaty question"></accords-chat>',
        False,
    ),
    "custom": (
        {
            "data-site-key": SITE_KEY,
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
        {"data-site-key": SITE_KEY, "data-primary-color": "red; background: url(http://evil.example/x)"},
        "",
        "",
        False,
    ),
    "blocked-key": ({"data-site-key": "pk_blocked"}, "", "", False),
}


def _host_page(service_url: str, name: str) -> str:
    script_attrs, head, body, in_head = HOST_PAGES[name]
    script = ""
    if script_attrs is not None:
        attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in script_attrs.items())
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
{body}
<p>More host content.</p>
{"" if in_head else script}
</body></html>"""


@dataclass
class HostPages:
    page_origin: str
    foreign_origin: str

    def url(self, name: str, *, foreign: bool = False) -> str:
        return f"{self.foreign_origin if foreign else self.page_origin}/{name}"


@pytest.fixture(scope="session")
def host_pages(
    _sockets: dict[str, socket.socket], service_url: str, page_origin: str, foreign_origin: str
) -> Iterator[HostPages]:
    async def serve_page(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in HOST_PAGES:
            return HTMLResponse("not found", status_code=404)
        return HTMLResponse(_host_page(service_url, name))

    async def favicon(request: Request) -> Response:
        return Response(status_code=204)

    app = Starlette(routes=[Route("/favicon.ico", favicon), Route("/{name}", serve_page)])
    with ServerThread(app, _sockets["page"]), ServerThread(app, _sockets["foreign"]):
        yield HostPages(page_origin, foreign_origin)


# ------------------------------------------------------------------------------------ browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    global _screenshot_dir
    configured = os.environ.get("ACCORDS_SCREENSHOT_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = tmp_path_factory.mktemp("widget-screenshots")
    _screenshot_dir = path
    return path


@dataclass
class Opened:
    """A host page in its own browser context, with everything it requested and every JS error."""

    page: Any
    requests: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: Path | None = None

    def shot(self, name: str) -> None:
        assert self.shots is not None
        self.page.screenshot(path=str(self.shots / f"{name}.png"))


@pytest.fixture
def open_page(browser: Any, host_pages: HostPages, screenshot_dir: Path) -> Iterator[Callable[..., Opened]]:
    contexts: list[Any] = []

    def _open(
        name: str,
        *,
        foreign: bool = False,
        width: int = 1280,
        height: int = 800,
        color_scheme: str = "light",
        before_goto: Callable[[Any], None] | None = None,
    ) -> Opened:
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=color_scheme, reduced_motion="reduce"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        opened = Opened(context.new_page(), shots=screenshot_dir)
        opened.page.on("request", lambda request: opened.requests.append(request))
        opened.page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
        if before_goto is not None:
            before_goto(opened.page)
        opened.page.goto(host_pages.url(name, foreign=foreign))
        return opened

    yield _open
    for context in contexts:
        context.close()
