"""`accords serve` in a subprocess on a free port of 127.0.0.1: started, waited for, stopped, its log read.

The tests and the benches start the real service one way. The environment is the caller's (tests use
`accords_env`; a bench its own, with its settings), the output goes to a log file (a pipe nobody reads
would fill up and block the service), ready means GET /ready answers 200, and stopping is SIGTERM, then
SIGKILL if the process has not exited in time, so no service outlives its test or bench.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from harness.commands import ACCORDS
from harness.ports import HOST, free_port


class ServiceNotReady(RuntimeError):
    """The service exited, or did not answer GET /ready with 200 in time; the message ends with its log."""


def stop_process(process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    """SIGTERM, and SIGKILL if it has not exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


class ServiceProcess:
    """`accords serve --host 127.0.0.1 --port PORT` (or `command` + `args`), started at construction.

    `url` is where it listens, `http` a client for it (closed by `stop`), `process` the subprocess.
    `with ServiceProcess(...) as service:` stops it at the end of the block; `serve()` also waits for it.
    """

    def __init__(
        self,
        log: Path,
        env: Mapping[str, str],
        *,
        port: int | None = None,
        command: Sequence[str] = ACCORDS,
        args: Sequence[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = log
        self.ready_s: float | None = None  # seconds from start to ready, once `wait_ready` saw it
        arguments = ["serve", "--host", HOST, "--port", str(self.port)] if args is None else list(args)
        with log.open("wb") as sink:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(
                [*command, *arguments],
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.http = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Wait until GET /ready answers 200; returns the seconds since the start. Raises
        `ServiceNotReady` (with the log's tail) if the process exits or `timeout` seconds pass first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise ServiceNotReady(f"accords serve exited with {code}:\n{self.log_tail()}")
            try:
                if self.http.get("/ready", timeout=2).status_code == 200:
                    self.ready_s = time.perf_counter() - self.started
                    return self.ready_s
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServiceNotReady(f"accords serve not ready after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def chat(self, question: str, timeout: float = 30, **fields: Any) -> httpx.Response:
        """POST /chat {"question": question, **fields}."""
        return self.http.post("/chat", json={"question": question, **fields}, timeout=timeout)

    def log_tail(self, chars: int = 6000) -> str:
        """The last `chars` characters of the service's output."""
        return self.log.read_text(errors="replace")[-chars:]

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds; idempotent."""
        self.http.close()
        stop_process(self.process, timeout)

    def __enter__(self) -> ServiceProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@contextmanager
def serve(
    log: Path, env: Mapping[str, str], *, timeout: float = 180.0, **options: Any
) -> Iterator[ServiceProcess]:
    """A `ServiceProcess` (`options` are its keyword arguments), yielded once ready; always stopped."""
    service = ServiceProcess(log, env, **options)
    try:
        service.wait_ready(timeout)
        yield service
    finally:
        service.stop()
