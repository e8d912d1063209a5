"""Fixtures for the shared state: fakeredis for the unit tests, a real `redis-server` for the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fakeredis
import pytest

from harness import RedisServer, redis_server_bin
from service.shared import Breaker, Link

FAKE_URL = "redis://fake.invalid:6379/0"  # never connected: the fake client stands in


def fake_link(server: fakeredis.FakeServer | None = None, breaker: Breaker | None = None) -> Link:
    """A link whose client is fakeredis (one server per test unless given)."""
    client: Any = fakeredis.FakeAsyncRedis(server=server or fakeredis.FakeServer(), decode_responses=True)
    return Link(FAKE_URL, breaker=breaker, client=client)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server on a free port of 127.0.0.1 for one test; skipped where it is not installed."""
    if redis_server_bin() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with RedisServer(tmp_path / "redis.log") as server:
        yield server
