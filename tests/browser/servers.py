"""The servers behind the browser tests.

Host pages and the stub run as uvicorn threads on sockets bound up front (so every server knows the
others' origins before any starts). The real service runs the way a user runs it: `accords serve` in a
subprocess, over a data dir ingested with the real embedding model from `samples/` plus HOSTILE_DOC, a
document whose text carries markup and links that must stay inert in the widget.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from ingest.embedders import Embedder
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.settings import Settings
from tests.procs import ACCORDS, accords_env

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_QUESTION = (
    "Within how many days shall the Parties exchange detained persons under the Velmora Exchange Protocol?"
)
HOSTILE_DOC = """---
title: 'Velmora Exchange Protocol <b onmouseover="window.__pwned=1">annotated</b>'
date: 2024-05-02
source: https://treaties.example.org/velmora-exchange-protocol
kind: '<svg onload=window.__pwned=1>'
id: velmora-exchange-protocol
---

# Velmora Exchange Protocol

## Article 9 — Exchange of detained persons <iframe src="http://evil.example/frame"></iframe>

The Parties shall exchange all detained persons within forty-five days of signature \
<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script> under \
[the schedule](javascript:window.__pwned=1) ![seal](http://evil.example/seal.png) of the Velmora Exchange \
Protocol.

The International Committee of the Red Cross shall supervise each exchange.
"""


def bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def origin_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


class ServerThread:
    """uvicorn serving ``app`` on an already-bound socket, in a daemon thread."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", ws="none", timeout_graceful_shutdown=1
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


def ingest_corpus(root: Path, embedder: Embedder) -> Path:
    """`samples/` plus the hostile document, ingested into `root/data`; returns the data dir."""
    corpus = root / "corpus"
    shutil.copytree(ROOT / "samples", corpus)
    (corpus / "velmora-exchange-protocol.md").write_text(HOSTILE_DOC, encoding="utf-8")
    settings = Settings(data_dir=root / "data", _env_file=None)  # type: ignore[call-arg]
    summary = Ingestor(open_store(settings, embedder), embedder, settings).run([corpus])
    assert summary.failed == 0, summary
    return settings.data_dir


class AccordsServer:
    """`accords serve` on a free port, its output in a log file (a pipe nobody reads would fill up)."""

    def __init__(self, data_dir: Path, log_path: Path, **env: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [*ACCORDS, "serve", "--port", str(self.port)],
            env=accords_env(data_dir, **env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                try:
                    if client.get(f"{self.url}/ready").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"accords serve did not become ready:\n{self.log_path.read_text()[-3000:]}")

    def create_key(self, *args: str) -> str:
        """`accords keys create ARGS` while the service runs, as an operator would."""
        result = subprocess.run(
            [*ACCORDS, "keys", "create", *args],
            env=accords_env(self.data_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._log.close()
