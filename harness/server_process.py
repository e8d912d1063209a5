"""What the harness's third-party servers (Chroma, Redis, PostgreSQL) share: start a program with its
output in a log, wait until it answers, and play its failures (`kill`, `freeze`, `thaw`).

Each server says only how it is started and how to tell it answers (`alive`); the waiting loop, its
two ways to fail (the program exited, or it stayed silent past the timeout) and the signals are here.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    *,
    name: str,
    silence: str,
    began: float,
    timeout: float,
    interval: float,
    give_up: Callable[[], None],
    tail: Callable[[], str],
) -> float:
    """Poll `ready` until it is true; returns the seconds since `began`. Raises RuntimeError with the
    log's tail when the program exits, and after `give_up()` when it says nothing within `timeout`."""
    while not ready():
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail()}")
        if time.monotonic() - began > timeout:
            give_up()
            raise RuntimeError(f"{name} {silence} within {timeout} s:\n{tail()}")
        time.sleep(interval)
    return time.monotonic() - began


class ServerProcess:
    """A server program started by a subclass's `start`, its output appended to `log`."""

    name = "server"

    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self, command: list[str], silence: str, timeout: float, interval: float) -> float:
        """Start `command` and wait until `alive()`; returns the seconds that took."""
        began = time.monotonic()
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        return wait_until_ready(
            self.process,
            self.alive,
            name=self.name,
            silence=silence,
            began=began,
            timeout=timeout,
            interval=interval,
            give_up=self.kill,
            tail=self.log_tail,
        )

    def alive(self) -> bool:
        raise NotImplementedError

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no shutdown, sockets closed by the kernel."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case it was frozen
            self.process.kill()
            self.process.wait(timeout=30)

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections but nothing answers (a hung server)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""
