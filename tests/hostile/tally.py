"""What the hostile suite counts as it goes: every hostile input and its answer, the 5xx among them, and
the server's memory (VmRSS when idle, VmHWM, the kernel's high-water mark, after each test).

One module-level `TALLY`, because `pytest_terminal_summary` (which prints the closing line whatever `-s`
says) is a hook, not a fixture. Requests the suite makes for its own bookkeeping (listing the store,
polling a job) go through an unrecorded client, so "cases" counts hostile inputs only.
"""

from __future__ import annotations

import os
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx

MB = 1024 * 1024
# The bound the issue states: the server's peak memory stays under its idle footprint plus this.
PEAK_OVER_IDLE_BYTES = 150 * MB


def proc_status_bytes(pid: int, field_name: str) -> int:
    """`VmRSS`, `VmHWM`, ... of a live process, in bytes (/proc/PID/status gives kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(f"{field_name} not in /proc/{pid}/status")


@dataclass
class Tally:
    cases: list[tuple[str, int]] = field(default_factory=list)  # (what was sent, status or exit code)
    server_errors: list[str] = field(default_factory=list)
    pid: int | None = None  # the measured `accords serve`
    idle_rss: int = 0
    peak_hwm: int = 0
    cli_runs: list[tuple[str, int]] = field(default_factory=list)  # (what, peak RSS in bytes)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, case: str, status: int, detail: str = "") -> None:
        with self._lock:
            self.cases.append((case, status))
            if status >= 500:
                self.server_errors.append(f"{status} on {case}: {detail[:500]}")

    def on_response(self, response: httpx.Response) -> None:
        """httpx response hook: every answer to a hostile request is a case; a 5xx is also an error."""
        detail = ""
        if response.status_code >= 500:
            response.read()
            detail = response.text
        self.record(f"{response.request.method} {response.request.url.path}", response.status_code, detail)

    def watch(self, pid: int) -> None:
        """Start measuring `pid`: the idle footprint is its resident memory now (after its warm-up)."""
        self.pid = pid
        self.idle_rss = proc_status_bytes(pid, "VmRSS")
        self.peak_hwm = proc_status_bytes(pid, "VmHWM")

    def peak_over_idle(self) -> int:
        """Read the server's VmHWM now; how far it is above the idle footprint, in bytes."""
        if self.pid is None:
            return 0
        self.peak_hwm = max(self.peak_hwm, proc_status_bytes(self.pid, "VmHWM"))
        return self.peak_hwm - self.idle_rss

    def summary(self) -> str:
        line = (
            f"hostile input: {len(self.cases)} cases tried, {len(self.server_errors)} 5xx seen; "
            f"server idle RSS {self.idle_rss / MB:.0f} MB, peak VmHWM {self.peak_hwm / MB:.0f} MB "
            f"(+{(self.peak_hwm - self.idle_rss) / MB:.0f} MB, bound +{PEAK_OVER_IDLE_BYTES / MB:.0f})"
        )
        if self.cli_runs:
            line += "; accords ingest peak RSS " + ", ".join(f"{w} {b / MB:.0f} MB" for w, b in self.cli_runs)
        return line


TALLY = Tally()


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes: the child's own ru_maxrss, from wait4


def run_measured(command: list[str], env: dict[str, str], out: Path, timeout: float = 120) -> Finished:
    """Run `command` to its end (killed after `timeout` s: a hang fails, it does not stall the suite), and
    read its peak resident memory from `wait4`, which reports that child alone."""
    stdout, stderr = out.with_suffix(".out"), out.with_suffix(".err")
    with stdout.open("wb") as sink_out, stderr.open("wb") as sink_err:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=sink_out, stderr=sink_err
        )
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode != -9, f"{command[-3:]} hung: killed after {timeout:.0f} s"
    return Finished(process.returncode, stdout.read_text(), stderr.read_text(), usage.ru_maxrss * 1024)
