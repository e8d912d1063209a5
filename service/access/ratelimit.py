"""Rate limits for chat requests, per site key and per client IP, with the `limits` library.

Why both: a key's rate caps what one embedding site can cost (its pages are public, so anyone can reuse
the key), and the per-IP rate keeps one visitor — or one script without a key — from using up a whole
site's allowance. Moving windows, held in memory by one `accords serve`, or in Redis with
ACCORDS_REDIS_URL, so several replicas share one allowance (`service.shared.ratelimits`, which falls back
to this process's own windows while Redis does not answer). A refused request counts against neither.
"""

from __future__ import annotations

import math
import re
import time
from typing import Annotated

from limits import RateLimitItem, parse
from pydantic import AfterValidator

from service.shared import Check, MemoryRateWindows, RateWindows

_RATE = re.compile(r"(\d+)\s*(?:/|per)\s*(\d+)?\s*([a-z]+)")
_UNITS = {
    "s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
    "m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
    "h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour",
    "d": "day", "day": "day", "days": "day",
}  # fmt: skip
OFF = frozenset({"", "off", "none", "0"})


def normalize_rate(value: str) -> str:
    """`30/min`, `30 per minute`, `5/10 seconds` -> `30/minute`, `5/10 seconds`; ValueError otherwise."""
    match = _RATE.fullmatch(value.strip().lower())
    unit = _UNITS.get(match.group(3)) if match else None
    if match is None or unit is None:
        raise ValueError(f"{value!r} is not a rate: use e.g. 30/minute, 100/hour or 5/10 seconds")
    amount, multiples = int(match.group(1)), int(match.group(2) or 1)
    if amount < 1 or multiples < 1:
        raise ValueError(f"{value!r}: a rate allows at least one request per period")
    canonical = f"{amount}/{unit}" if multiples == 1 else f"{amount}/{multiples} {unit}s"
    parse(canonical)  # the library must read it the same way
    return canonical


def optional_rate(value: str) -> str:
    """A rate, or "off" (also "", "none", "0") for no limit."""
    return "off" if value.strip().lower() in OFF else normalize_rate(value)


class RateLimiter:
    """`windows`: where requests are counted (every replica's, in Redis); None = this process's."""

    def __init__(self, ip_rate: str, default_key_rate: str, windows: RateWindows | None = None) -> None:
        self._local = MemoryRateWindows()
        self._windows: RateWindows = windows if windows is not None else self._local
        rate = optional_rate(ip_rate)
        self._ip = None if rate == "off" else parse(rate)
        self._default = parse(normalize_rate(default_key_rate))
        self._parsed: dict[str, RateLimitItem] = {}

    def _item(self, rate: str | None) -> RateLimitItem:
        if rate is None:
            return self._default
        if rate not in self._parsed:
            self._parsed[rate] = parse(rate)
        return self._parsed[rate]

    def _checks(self, client_ip: str, site_key: str | None, key_rate: str | None) -> list[Check]:
        checks: list[Check] = []
        if self._ip is not None:
            checks.append((self._ip, ("ip", client_ip)))
        if site_key is not None:
            checks.append((self._item(key_rate), ("key", site_key)))
        return checks

    def hit(self, client_ip: str, site_key: str | None, key_rate: str | None = None) -> int | None:
        """Count one request in this process's windows; None when it may go ahead, else the seconds until
        it would be allowed."""
        return _wait(self._local.hit_now(self._checks(client_ip, site_key, key_rate)))

    async def hit_shared(
        self, client_ip: str, site_key: str | None, key_rate: str | None = None
    ) -> int | None:
        """`hit`, counted where the service counts (every replica's windows when they are shared)."""
        checks = self._checks(client_ip, site_key, key_rate)
        return _wait(await self._windows.hit(checks)) if checks else None


def _wait(reset_time: float | None) -> int | None:
    return None if reset_time is None else max(1, math.ceil(reset_time - time.time()))


# For settings fields: validated and normalized when the settings are built.
Rate = Annotated[str, AfterValidator(normalize_rate)]
OptionalRate = Annotated[str, AfterValidator(optional_rate)]
