"""Rate-limit windows: this process's own (the `limits` library's memory storage), or every replica's
(its async Redis storage, `limits.aio.storage.RedisStorage` on redis-py, sharing the link's connections).

Moving windows either way. `hit` counts a request against every window it names only when all of them
have room, so a refused request counts against none. Across replicas the test and the hit are two steps,
but each hit is one atomic script in Redis that refuses a full window, so a key limited to N a minute gets
at most N answers a minute from the whole fleet. When Redis does not answer, the process counts with its
own windows until it does (a key's rate is then per replica for that while; logged once, counted in
`accords_shared_fallbacks_total{part="rate_limits"}`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter as SharedMovingWindow
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from service.shared.link import Link

Check = tuple[RateLimitItem, tuple[str, ...]]  # a rate and the identifiers of one window
PREFIX = "accords:limits"


class RateWindows(Protocol):
    async def hit(self, checks: Sequence[Check]) -> float | None:
        """Count a request in every window, or in none: None when allowed, else when the full one resets
        (seconds since the epoch)."""
        ...


class MemoryRateWindows:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit_now(self, checks: Sequence[Check]) -> float | None:
        """Synchronous, on the event loop only: testing every window and then hitting them is atomic."""
        for item, identifiers in checks:
            if not self._limiter.test(item, *identifiers):
                return self._limiter.get_window_stats(item, *identifiers).reset_time
        for item, identifiers in checks:
            self._limiter.hit(item, *identifiers)
        return None

    async def hit(self, checks: Sequence[Check]) -> float | None:
        return self.hit_now(checks)


_UNAVAILABLE = object()


class RedisRateWindows:
    """Every replica's windows; `fallback` (this process's) while Redis does not answer."""

    def __init__(self, link: Link, fallback: MemoryRateWindows | None = None) -> None:
        self._link = link
        pool: dict[str, Any] = {"connection_pool": link.client.connection_pool}  # the link's connections
        storage = RedisStorage("async+" + link.url, implementation="redispy", key_prefix=PREFIX, **pool)
        self._limiter = SharedMovingWindow(storage)
        self.fallback = fallback or MemoryRateWindows()

    async def hit(self, checks: Sequence[Check]) -> float | None:
        async def shared() -> object:
            for item, identifiers in checks:
                if not await self._limiter.test(item, *identifiers):
                    return (await self._limiter.get_window_stats(item, *identifiers)).reset_time
            for item, identifiers in checks:
                if not await self._limiter.hit(item, *identifiers):  # another replica took the last one
                    return (await self._limiter.get_window_stats(item, *identifiers)).reset_time
            return None

        result = await self._link.call("rate_limits", shared, _UNAVAILABLE)
        if result is _UNAVAILABLE:
            return self.fallback.hit_now(checks)
        return result if isinstance(result, float | int) else None


def seconds_until(reset_time: float) -> float:
    return reset_time - time.time()
