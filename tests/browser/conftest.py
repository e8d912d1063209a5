"""Fixtures for the widget's browser tests: the real service, a scripted stub, host pages, Chromium.

Most tests talk to the REAL service (``service_url``): `accords serve` in a subprocess over `samples/`
plus a hostile document (``servers.HOSTILE_DOC``), ingested once per session with the real embedding
model. Its site keys (``site_keys``): ``main`` allows ``page_origin``; ``blocked`` allows only another
site; ``limited`` allows ``page_origin`` at 2/minute and is created with `accords keys create` while the
service runs (so it also shows that keys take effect without a restart).

The stub (``stub_url``, ``stub_service.py``) stays only for what the real service cannot produce on
demand: a degraded answer with unsupported sentences, an error event after the stream began, a slow or
silent stream (Stop, the idle timeout) and a 503.

Host pages are served from two more ports: ``page_origin`` (allowed by the keys) and ``foreign_origin``
(allowed by none), both serving ``pages.HOST_PAGES`` (``/NAME`` real, ``/stub/NAME`` stub).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness import ServiceProcess, UvicornThread, accords_env, bound_socket, serve, url_of
from ingest.embedders import Embedder
from service.access.sitekeys import SiteKeyStore

from .pages import host_app
from .servers import create_key, ingest_corpus
from .stub_service import create_app as create_stub

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
STUB_KEYS = {"main": "pk_test", "blocked": "pk_blocked", "limited": "pk_test"}

_screenshot_dir: Path | None = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the embeddable widget in headless Chromium")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _screenshot_dir is not None:
        terminalreporter.write_line(f"accords widget screenshots: {_screenshot_dir}")


# ------------------------------------------------------------------------------------ servers


@pytest.fixture(scope="session")
def _sockets() -> Iterator[dict[str, socket.socket]]:
    # Bound up front so every server knows the others' origins before any of them starts.
    socks = {"page": bound_socket(), "foreign": bound_socket(), "stub": bound_socket()}
    yield socks
    for sock in socks.values():
        sock.close()


@pytest.fixture(scope="session")
def page_origin(_sockets: dict[str, socket.socket]) -> str:
    return url_of(_sockets["page"])


@pytest.fixture(scope="session")
def foreign_origin(_sockets: dict[str, socket.socket]) -> str:
    return url_of(_sockets["foreign"])


@dataclass(frozen=True)
class RealService:
    server: ServiceProcess
    keys: dict[str, str]  # role -> site key

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def real_service(
    tmp_path_factory: pytest.TempPathFactory, real_embedder: Embedder, page_origin: str
) -> Iterator[RealService]:
    root = tmp_path_factory.mktemp("service")
    data_dir = ingest_corpus(root, real_embedder)
    store = SiteKeyStore(data_dir / "site-keys.json")
    keys = {
        "main": store.create([page_origin]).key,
        "blocked": store.create(["https://elsewhere.example"]).key,
    }
    # Generous defaults so that only the `limited` key ever answers 429 in this suite.
    env = accords_env(data_dir, ACCORDS_RATE_LIMIT_IP="1000/minute", ACCORDS_SITE_KEY_RATE="1000/minute")
    with serve(root / "serve.log", env) as server:
        keys["limited"] = create_key(data_dir, "--origin", page_origin, "--rate", "2/minute")
        yield RealService(server, keys)


@pytest.fixture(scope="session")
def service_url(real_service: RealService) -> str:
    """Base URL of the real service (serves /widget.js, /chat/stream, /demo...)."""
    return real_service.url


@pytest.fixture(scope="session")
def site_keys(real_service: RealService) -> dict[str, str]:
    return real_service.keys


@pytest.fixture(scope="session")
def stub_url(_sockets: dict[str, socket.socket], page_origin: str) -> Iterator[str]:
    app = create_stub({STUB_KEYS["main"]: {page_origin}, STUB_KEYS["blocked"]: set()})
    with UvicornThread(app, _sockets["stub"], lifespan="off"):
        yield url_of(_sockets["stub"])


@dataclass
class HostPages:
    page_origin: str
    foreign_origin: str
    services: dict[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)

    def url(self, name: str, *, foreign: bool = False, stub: bool = False) -> str:
        return f"{self.foreign_origin if foreign else self.page_origin}{'/stub' if stub else ''}/{name}"


@pytest.fixture(scope="session")
def host_pages(
    _sockets: dict[str, socket.socket], page_origin: str, foreign_origin: str
) -> Iterator[HostPages]:
    pages = HostPages(page_origin, foreign_origin)
    app = host_app(pages.services)
    with (
        UvicornThread(app, _sockets["page"], lifespan="off"),
        UvicornThread(app, _sockets["foreign"], lifespan="off"),
    ):
        yield pages


# ------------------------------------------------------------------------------------ browser


# Package scope, not session: Playwright's sync API keeps an event loop running in the main thread while it
# is started, so it must stop when the browser tests end, or every later `asyncio.run` in the session fails.
@pytest.fixture(scope="package")
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
    """A page in its own browser context, with everything it requested and every JS error."""

    page: Any
    requests: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: Path | None = None

    def shot(self, name: str) -> None:
        assert self.shots is not None
        self.page.screenshot(path=str(self.shots / f"{name}.png"))


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest, browser: Any, host_pages: HostPages, screenshot_dir: Path
) -> Iterator[Callable[..., Opened]]:
    """Open a host page by name (``stub=True``: embedding the stub), or any URL."""
    contexts: list[Any] = []

    def start_service(stub: bool) -> None:
        # Started on first use, so the stub-only tests never wait for the real service.
        if stub:
            host_pages.services["stub"] = (request.getfixturevalue("stub_url"), STUB_KEYS)
        else:
            real: RealService = request.getfixturevalue("real_service")
            host_pages.services["real"] = (real.url, real.keys)

    def _open(
        name: str,
        *,
        foreign: bool = False,
        stub: bool = False,
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
        if name.startswith("http"):
            url = name
        else:
            start_service(stub)
            url = host_pages.url(name, foreign=foreign, stub=stub)
        opened.page.goto(url)
        return opened

    yield _open
    for context in contexts:
        context.close()
