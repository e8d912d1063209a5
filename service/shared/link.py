"""The one Redis connection of a process, behind a circuit breaker: shared state that degrades, never fails.

Why a breaker and short timeouts: every use of Redis sits on a request's path (a conversation read, a rate
check), so a Redis that is down or hung must cost a request at most one short wait, not a 500 or a hang.
Each call has `timeout_s` (0.25 s by default: a healthy Redis on the same network answers in well under a
millisecond); after `failures` consecutive failures the link is *open* and every call takes its fallback at
once for `cooldown_s`; then one call probes, and its success closes the link again (recovery is automatic).
redis-py's own retries are off: a retry would only double the wait, and the breaker decides when to retry.

Each transition is logged once (not each failed call), and `accords_shared_degraded` (1 while open) and
`accords_shared_fallbacks_total{part}` (calls answered by a fallback) show it in /metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from service.http import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
FAILURES = 3  # consecutive failures that open the link
COOLDOWN_S = 5.0  # how long an open link skips Redis before one call probes it
TIMEOUT_S = 0.25  # socket connect and read timeout of each call
UNAVAILABLE = (RedisError, OSError, TimeoutError, asyncio.TimeoutError)


def connect(url: str, timeout_s: float = TIMEOUT_S) -> Any:
    """A client that never waits longer than `timeout_s` and never retries by itself (no I/O yet).

    Typed `Any`: redis-py's annotations say every command may return its value or an awaitable of it."""
    client: aioredis.Redis = aioredis.Redis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        decode_responses=True,
        health_check_interval=0,
    )
    return client


def where(url: str) -> str:
    """The URL without its password, for logs and /ready."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


class Breaker:
    """closed (use Redis) -> open after `failures` in a row (skip it) -> after `cooldown_s`, one probe."""

    def __init__(
        self,
        failures: int = FAILURES,
        cooldown_s: float = COOLDOWN_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit, self._cooldown, self._clock = failures, cooldown_s, clock
        self._failed = 0
        self._opened_at: float | None = None
        self._probing = False
        self.reason: str | None = None  # why it is open

    @property
    def open(self) -> bool:
        return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may try Redis now (while open: one probe once the cool-down is over)."""
        if self._opened_at is None:
            return True
        if self._probing or self._clock() - self._opened_at < self._cooldown:
            return False
        self._probing = True
        return True

    def succeeded(self) -> None:
        self._failed, self._probing = 0, False
        if self._opened_at is not None:
            self._opened_at, self.reason = None, None
            metrics.SHARED_DEGRADED.set(0)
            log.warning("shared state (redis) answers again: conversations, rate limits and jobs are shared")

    def failed(self, error: BaseException) -> None:
        self._failed += 1
        was_open, self._probing = self._opened_at is not None, False
        if was_open or self._failed >= self._limit:
            self._opened_at = self._clock()
            self.reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            if not was_open:
                metrics.SHARED_DEGRADED.set(1)
                log.error(
                    "shared state (redis) unavailable (%s): follow-ups are answered as stand-alone questions "
                    "and rate limits are counted per process until it answers again",
                    self.reason,
                )


class Link:
    """A Redis client and its breaker; `call` runs one operation or returns its fallback."""

    def __init__(
        self, url: str, timeout_s: float = TIMEOUT_S, breaker: Breaker | None = None, client: Any = None
    ) -> None:
        """`client`: another client for `url` (fakeredis in unit tests); None = `connect(url)`."""
        self.url = url
        self.timeout_s = timeout_s
        self.client: Any = client if client is not None else connect(url, timeout_s)
        self.breaker = breaker or Breaker()

    @property
    def where(self) -> str:
        return where(self.url)

    async def call(self, part: str, operation: Callable[[], Awaitable[T]], fallback: T) -> T:
        """`operation()`'s result, or `fallback` (counted under `part`) when Redis is skipped or fails."""
        if not self.breaker.allow():
            metrics.SHARED_FALLBACKS.labels(part).inc()
            return fallback
        try:
            result = await asyncio.wait_for(operation(), timeout=self.timeout_s * 4)
        except UNAVAILABLE as error:
            self.breaker.failed(error)
            metrics.SHARED_FALLBACKS.labels(part).inc()
            log.debug("redis %s failed: %s", part, error)
            return fallback
        self.breaker.succeeded()
        return result

    async def ping(self) -> bool:
        async def ping() -> bool:
            return bool(await self.client.ping())

        return await self.call("ping", ping, False)

    async def close(self) -> None:
        await self.client.aclose()
