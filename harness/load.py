"""The load loop: concurrent clients posting /chat over HTTP, and the figures they make.

The benches measure the service the way its clients see it (FastAPI, JSON and the loopback network
included), so they share one loop: `tally.clients` workers, each posting its next question as soon as its
last answer came back, for `duration` seconds; `Latency` accumulates what they saw over several runs (the
benches cut a timed run in slices interleaved with other measurements). A shared machine's other
processes move every figure, so `watching_others` records how many CPUs they kept busy meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class Latency:
    """One measurement, accumulated over its slices: latencies of the requests that succeeded, and the
    requests that failed (errors) or came back without a full answer (bad)."""

    label: str
    clients: int
    seconds: float = 0.0
    samples: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)  # HTTP status or exception name
    bad: int = 0
    found: int = 0
    others_cpu_s: float = 0.0  # CPU time other processes of this machine took meanwhile
    turn: Iterator[int] = field(default_factory=itertools.count)  # which question comes next

    def next_question(self, questions: Sequence[str]) -> str:
        return questions[next(self.turn) % len(questions)]

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.samples, q)) * 1000 if self.samples else float("nan")

    def summary(self) -> dict[str, Any]:
        requests = len(self.samples) + self.errors
        return {
            "label": self.label,
            "clients": self.clients,
            "requests": requests,
            "seconds": round(self.seconds, 2),
            "throughput_rps": round(requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile_ms(50), 2),
            "p95_ms": round(self.percentile_ms(95), 2),
            "p99_ms": round(self.percentile_ms(99), 2),
            "mean_ms": round(float(np.mean(self.samples)) * 1000, 2) if self.samples else float("nan"),
            "errors": self.errors,
            "error_kinds": dict(self.error_kinds),
            "bad": self.bad,
            "found": self.found,
            "others_cpus": round(self.others_cpu_s / self.seconds, 2) if self.seconds else 0.0,
        }


def load_questions(path: Path) -> list[str]:
    """The `question` of every line of a JSONL QA file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def cpu_seconds(pids: Sequence[int]) -> tuple[float, float]:
    """(CPU seconds the whole machine has been busy, CPU seconds `pids` used), from /proc (Linux)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    )
    ours = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ours += int(fields[11]) + int(fields[12])  # utime, stime
    return (user + nice + system + irq + softirq) / _TICK, ours / _TICK


@contextmanager
def watching_others(tally: Latency, pids: Sequence[int]) -> Iterator[None]:
    """Adds to `tally` the CPU time processes other than `pids` took during the block: other people's
    builds and tests on a shared machine slow every figure down, and this says by how much they ran."""
    busy, ours = cpu_seconds(pids)
    yield
    busy_after, ours_after = cpu_seconds(pids)
    tally.others_cpu_s += max(0.0, (busy_after - busy) - (ours_after - ours))


def full_answer(body: Any) -> tuple[bool, bool]:
    """(complete, found): an answer and `found`; a found answer also cites sources it lists."""
    if not isinstance(body, dict) or not isinstance(body.get("found"), bool):
        return False, False
    answer, found = body.get("answer"), body["found"]
    if not isinstance(answer, str) or not answer.strip():
        return False, found
    if found and not (body.get("sources") and body.get("sentences") and re.search(r"\[\d+\]", answer)):
        return False, found
    return True, found


def chat_load(
    url: str | Sequence[str],
    questions: Sequence[str],
    duration: float,
    tally: Latency,
    max_wait_s: float = 0.0,
) -> None:
    """`tally.clients` clients posting /chat to `url` for `duration` seconds, questions cycled. After a
    non-200 a client waits for its Retry-After (at most `max_wait_s`; 0: it asks again at once), as a
    well-behaved client does under overload. Percentiles are over the 200s; the rest count as errors.
    Several URLs (replicas) are asked in turn, request by request, as a round-robin balancer would."""
    urls = [url] if isinstance(url, str) else list(url)
    asyncio.run(_chat_load(urls, questions, duration, tally, max_wait_s))


async def _chat_load(
    urls: Sequence[str], questions: Sequence[str], duration: float, tally: Latency, max_wait_s: float
) -> None:
    limits = httpx.Limits(max_connections=tally.clients, max_keepalive_connections=tally.clients)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=120, limits=limits, trust_env=False)
            )
            for url in urls
        ]
        turns = itertools.cycle(clients)

        async def worker(deadline: float) -> None:
            while time.perf_counter() < deadline:
                question = tally.next_question(questions)
                client = next(turns)
                began = time.perf_counter()
                try:
                    response = await client.post("/chat", json={"question": question})
                except httpx.HTTPError as error:
                    tally.errors += 1
                    tally.error_kinds[type(error).__name__] += 1
                    continue
                elapsed = time.perf_counter() - began
                if response.status_code != 200:
                    tally.errors += 1
                    tally.error_kinds[str(response.status_code)] += 1
                    if max_wait_s > 0:
                        wait = float(response.headers.get("retry-after", "1") or 1)
                        await asyncio.sleep(min(wait, max_wait_s, max(0.0, deadline - time.perf_counter())))
                    continue
                tally.samples.append(elapsed)
                complete, found = full_answer(response.json())
                tally.bad += not complete
                tally.found += found

        began = time.perf_counter()
        await asyncio.gather(*(worker(began + duration) for _ in range(tally.clients)))
        tally.seconds += time.perf_counter() - began
