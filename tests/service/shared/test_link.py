"""The breaker: Redis down or hung costs a request at most one short wait, and recovery is automatic."""

from __future__ import annotations

import asyncio
import time

from harness import free_port
from service.http import metrics
from service.shared import Breaker, Link


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_in_a_row_and_probes_once_after_the_cool_down() -> None:
    clock = Clock()
    breaker = Breaker(failures=3, cooldown_s=5.0, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.failed(ConnectionError("refused"))
    assert not breaker.open  # two failures: still trying
    breaker.failed(ConnectionError("refused"))
    assert breaker.open and breaker.reason == "ConnectionError: refused"
    assert metrics.SHARED_DEGRADED._value.get() == 1
    assert not breaker.allow()  # cooling down: skipped at once
    clock.now = 5.1
    assert breaker.allow()  # one probe...
    assert not breaker.allow()  # ...at a time
    breaker.failed(TimeoutError())
    assert breaker.open and not breaker.allow()  # the probe failed: another cool-down
    clock.now = 10.2
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.open and breaker.allow() and breaker.reason is None
    assert metrics.SHARED_DEGRADED._value.get() == 0


def test_a_success_resets_the_count() -> None:
    breaker = Breaker(failures=2)
    breaker.failed(OSError())
    breaker.succeeded()
    breaker.failed(OSError())
    assert not breaker.open


def test_a_refused_connection_gives_the_fallback_quickly_and_then_skips_redis() -> None:
    link = Link(f"redis://127.0.0.1:{free_port()}/0", timeout_s=0.25, breaker=Breaker(failures=2))
    before = metrics.SHARED_FALLBACKS.labels("test")._value.get()

    async def scenario() -> list[object]:
        try:
            return [await link.call("test", link.client.ping, "fallback") for _ in range(5)]
        finally:
            await link.close()

    started = time.perf_counter()
    assert asyncio.run(scenario()) == ["fallback"] * 5
    assert time.perf_counter() - started < 1.5  # two short failures, then skipped
    assert link.breaker.open
    assert metrics.SHARED_FALLBACKS.labels("test")._value.get() - before == 5
