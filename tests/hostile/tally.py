"""What the hostile suite counts as it goes: every hostile input and its answer, the 5xx among them, and
the server's memory (VmRSS when idle, VmHWM, the kernel's high-water mark, after each test).

One module-level `TALLY`, because `pytest_terminal_summary` (which prints the closing line whatever `-s`
says) is a hook, not a fixture. Requests the suite makes for its own bookkeeping (listing the store,
polling a job) go through an unrecorded client, so "cases" counts hostile inputs only.
"""

from __future__ import annotations

import subprocess
import threading
import time
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
    peak_rss: int  # bytes: the child's VmHWM, sampled from /proc while it runs


def run_measured(command: list[str], env: dict[str, str], out: Path, timeout: float = 120) -> Finished:
    """Run `command` to its end (killed after `timeout` s: a hang fails, it does not stall the suite), and
    read its peak resident memory. Not from `wait4`'s ru_maxrss: Linux carries the high-water mark of the
    image before `exec` into it, so a child of a 1 GB pytest reported 1 GB whatever it did (measured: 1,035
    MB for an ingest of 2 plain files in the full suite, 236 MB alone). VmHWM belongs to the new image only;
    sampled every 20 ms, the last sample is taken just before the child exits."""
    stdout, stderr = out.with_suffix(".out"), out.with_suffix(".err")
    with stdout.open("wb") as sink_out, stderr.open("wb") as sink_err:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=sink_out, stderr=sink_err
        )
    peak = 0
    try:
        deadline = time.monotonic() + timeout
        while process.poll() is None:
            peak = max(peak, _high_water(process.pid))
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise AssertionError(f"{command[-3:]} hung: killed after {timeout:.0f} s")
            time.sleep(0.02)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return Finished(process.returncode, stdout.read_text(), stderr.read_text(), peak)


def _high_water(pid: int) -> int:
    """VmHWM of a running process in bytes (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0
