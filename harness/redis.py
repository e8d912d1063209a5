"""A real Redis (Debian's `redis-server`) on a free port of 127.0.0.1, persistence off.

The shared-state integration tests and the fleet test run against this rather than fakeredis, because
what they check is how accords behaves with the real server: its pub/sub, its Lua scripts (the rate
limits' moving windows), and its death and return mid-load. `kill` and `restart` (same port, empty, as
a Redis without persistence comes back) play those failures. `.ci/run` installs the package.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from harness.ports import HOST, free_port

REDIS_SERVER = "/usr/bin/redis-server"


def redis_server_bin() -> str | None:
    """The redis-server program, or None when it is not installed (the tests then skip)."""
    found = shutil.which("redis-server") or (REDIS_SERVER if Path(REDIS_SERVER).exists() else None)
    return found


class RedisServer:
    """`redis-server` on `port` (a free one by default), its output appended to `log`."""

    def __init__(self, log: Path, port: int | None = None) -> None:
        self.log = log
        self.port = port or free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> float:
        """Start the server and wait until it answers PING; returns the seconds that took."""
        program = redis_server_bin()
        if program is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        began = time.monotonic()
        command = [program, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.log.parent)]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        while not self.alive():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{self.log_tail()}")
            if time.monotonic() - began > timeout:
                self.kill()
                raise RuntimeError(f"redis-server did not answer within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.02)
        return time.monotonic() - began

    def alive(self) -> bool:
        """Whether it answers PING (a raw RESP exchange: no client library needed)."""
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown, sockets closed by the kernel, everything lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case it was frozen
            self.process.kill()
            self.process.wait(timeout=30)

    def restart(self) -> float:
        """Start again on the same port (empty: persistence is off)."""
        self.kill()
        return self.start()

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections but nothing answers (a hung server)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.kill()
