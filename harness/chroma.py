"""A real Chroma server (`chroma run`, shipped in the chromadb wheel) on a free port of 127.0.0.1.

Server-mode tests and the benches run against this rather than a stand-in, because what they measure or
check is how accords behaves with the real server: its HTTP client, its errors when the server dies or
hangs, its reconnection. `kill`, `freeze` and `thaw` play those failures.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import httpx

from harness.ports import HOST, free_port
from harness.server_process import ServerProcess

CHROMA = Path(sys.executable).with_name("chroma")


def collection_for(data_dir: Path) -> str:
    """One collection per data dir: tests sharing a server never see each other's documents."""
    return "t-" + hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:24]


class ChromaServer(ServerProcess):
    """`chroma run` over `path`, its output appended to `log`; started by `start`, ended by `kill`."""

    name = "chroma run"

    def __init__(self, path: Path, log: Path, port: int | None = None) -> None:
        super().__init__(log)
        self.path = path
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60.0) -> float:
        """Start the server and wait for its heartbeat; returns the seconds that took."""
        command = [str(CHROMA), "run", "--path", str(self.path), "--host", HOST, "--port", str(self.port)]
        return self.launch(command, "gave no heartbeat", timeout, interval=0.05)

    def alive(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1, trust_env=False).status_code == 200
        except httpx.TransportError:
            return False


def close_http_clients() -> None:
    """Close the Chroma clients this process opened (and so flush what they wrote) before another process
    opens the store: chromadb caches its clients for the process's lifetime and never closes them (at exit
    the HTTP clients' sockets warn as unclosed)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for system in list(SharedSystemClient._identifier_to_system.values()):
        for component in list(system._instances.values()):
            session = getattr(component, "_session", None)
            if isinstance(session, httpx.Client):
                session.close()
    SharedSystemClient.clear_system_cache()
