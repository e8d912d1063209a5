"""Rate strings and the per-key / per-IP limiter (the `limits` library, moving windows in memory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.access.ratelimit import RateLimiter, normalize_rate, optional_rate
from tests.service.conftest import service_settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("30/min", "30/minute"),
        ("30/minute", "30/minute"),
        ("30 per minute", "30/minute"),
        ("30/MINUTES", "30/minute"),
        ("2/s", "2/second"),
        ("100/hr", "100/hour"),
        ("1000/day", "1000/day"),
        ("5/10 seconds", "5/10 seconds"),
        ("5/10s", "5/10 seconds"),
        (" 7 / 1 minute ", "7/minute"),
    ],
)
def test_rates_are_normalized(given: str, expected: str) -> None:
    assert normalize_rate(given) == expected
    assert normalize_rate(expected) == expected


@pytest.mark.parametrize("given", ["", "lots", "30", "30/fortnight", "0/minute", "5/0 seconds", "-1/minute"])
def test_bad_rates_are_refused(given: str) -> None:
    with pytest.raises(ValueError, match="rate"):
        normalize_rate(given)


def test_off_means_no_limit() -> None:
    assert [optional_rate(value) for value in ("off", "", "None", "0")] == ["off"] * 4
    limiter = RateLimiter("off", "1/minute")
    assert all(limiter.hit("10.0.0.1", None) is None for _ in range(100))


def test_settings_validate_rates(tmp_path: Path) -> None:
    settings = service_settings(tmp_path, rate_limit_ip="20/min", site_key_rate="3 per hour")
    assert (settings.rate_limit_ip, settings.site_key_rate) == ("20/minute", "3/hour")
    with pytest.raises(ValidationError, match="rate_limit_ip"):
        service_settings(tmp_path, rate_limit_ip="often")
    with pytest.raises(ValidationError, match="site_key_rate"):
        service_settings(tmp_path, site_key_rate="off")


def test_each_ip_has_its_own_window() -> None:
    limiter = RateLimiter("2/minute", "100/minute")
    assert [limiter.hit("10.0.0.1", None) for _ in range(2)] == [None, None]
    wait = limiter.hit("10.0.0.1", None)
    assert wait is not None and 1 <= wait <= 60
    assert limiter.hit("10.0.0.2", None) is None


def test_a_key_uses_its_own_rate_or_the_default() -> None:
    limiter = RateLimiter("off", "3/minute")
    assert [limiter.hit(f"10.0.0.{n}", "pk_a", "1/minute") for n in range(2)] == [None, 60]
    assert [limiter.hit(f"10.0.1.{n}", "pk_b") is None for n in range(4)] == [True, True, True, False]


def test_a_refused_request_does_not_use_up_the_other_window() -> None:
    limiter = RateLimiter("2/minute", "1/minute")
    assert limiter.hit("10.0.0.1", "pk_a") is None
    assert limiter.hit("10.0.0.1", "pk_a") is not None  # the key's window is full...
    assert limiter.hit("10.0.0.1", None) is None  # ...and the IP's still has room: that hit did not count
    assert limiter.hit("10.0.0.1", None) is not None
