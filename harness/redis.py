"""A real Redis (Debian's `redis-server`) on a free port of 127.0.0.1, persistence off.

The shared-state integration tests and the fleet test run against this rather than fakeredis, because
what they check is how accords behaves with the real server: its pub/sub, its Lua scripts (the rate
limits' moving windows), and its death and return mid-load. `kill` and `restart` (same port, empty, as
a Redis without persistence comes back) play those failures. `.ci/run` installs the package.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from harness.ports import HOST, free_port
from harness.server_process import ServerProcess

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_bin() -> str | None:
    """The redis-server program, or None when it is not installed (the tests then skip)."""
    found = shutil.which("redis-server") or (REDIS_SERVER if Path(REDIS_SERVER).exists() else None)
    return found


class RedisServer(ServerProcess):
    """`redis-server` on `port` (a free one by default), its output appended to `log`."""

    name = "redis-server"

    def __init__(self, log: Path, port: int | None = None) -> None:
        super().__init__(log)
        self.port = port or free_port()
        self.url = f"redis://{HOST}:{self.port}/0"

    def start(self, timeout: float = 20.0) -> float:
        """Start the server and wait until it answers PING; returns the seconds that took."""
        program = redis_server_bin()
        if program is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        command = [program, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.log.parent)]
        return self.launch(command, "did not answer", timeout, interval=0.02)

    def alive(self) -> bool:
        """Whether it answers PING (a raw RESP exchange: no client library needed)."""
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> float:
        """Start again on the same port (empty: persistence is off)."""
        self.kill()
        return self.start()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.kill()
