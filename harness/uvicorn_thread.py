"""Run an ASGI app under a real uvicorn, in a thread, on a socket of 127.0.0.1.

Tests and benches that need real sockets (a client that really disconnects, an SDK that speaks HTTP, a
browser) use this instead of an in-process transport. The socket is bound before the thread starts (here,
or by the caller when it needs the URL earlier: `bound_socket`), so there is no port race, and the server
is stopped and joined on exit so no thread outlives its test.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

from harness.ports import bound_socket, url_of


class UvicornThread:
    """`with UvicornThread(app) as server:` serves `app` at `server.url` until the block ends."""

    def __init__(
        self,
        app: ASGIApp,
        sock: socket.socket | None = None,
        *,
        lifespan: Literal["on", "off", "auto"] = "on",
        startup_timeout_s: float = 60.0,
    ) -> None:
        self._socket = sock or bound_socket()
        self.port: int = self._socket.getsockname()[1]
        self.url = url_of(self._socket)
        config = uvicorn.Config(
            app,
            log_level="warning",
            log_config=None,  # records go to the root logger, which pytest captures
            loop="asyncio",
            ws="none",
            lifespan=lifespan,
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._startup_timeout_s = startup_timeout_s

    def __enter__(self) -> UvicornThread:
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._stop()
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._socket.close()
        if self._thread.is_alive():
            raise RuntimeError("uvicorn did not stop within 15 s")
