"""The shared parts against a real `redis-server` (harness.RedisServer): the rate limits' scripts, the
signals' pub/sub, `accords keys` in Redis, and a service whose Redis dies and comes back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from limits import parse

from harness import RedisServer, run_accords
from service.http import metrics
from service.shared import Breaker, Link, RedisRateWindows, RedisSignals

pytestmark = pytest.mark.slow  # spawns redis-server


def test_two_replicas_share_one_window_and_fall_back_to_their_own_while_redis_is_away(
    redis_server: RedisServer,
) -> None:
    rate = parse("4/minute")
    checks = [(rate, ("key", "pk_shared"))]

    async def scenario() -> None:
        links = [Link(redis_server.url, breaker=Breaker(failures=1, cooldown_s=0.3)) for _ in range(2)]
        replicas = [RedisRateWindows(link) for link in links]
        try:
            answers = [await replicas[n % 2].hit(checks) for n in range(6)]
            assert [a is None for a in answers] == [True] * 4 + [False] * 2  # 4 in all, not 4 each
            assert all(a is not None and 0 < a - time.time() <= 60 for a in answers[4:])

            redis_server.kill()
            before = metrics.SHARED_FALLBACKS.labels("rate_limits")._value.get()
            started = time.perf_counter()
            local = [await replicas[0].hit(checks) for _ in range(5)]
            assert time.perf_counter() - started < 2  # one short failure, then the breaker skips Redis
            assert [a is None for a in local] == [True] * 4 + [False]  # its own window, fresh
            assert metrics.SHARED_FALLBACKS.labels("rate_limits")._value.get() - before == 5

            redis_server.restart()  # empty: a Redis without persistence
            await asyncio.sleep(0.4)  # the cool-down
            assert await replicas[1].hit(checks) is None  # the probe reaches Redis again
            assert not links[1].breaker.open
            assert await redis_server_count(links[1]) >= 1
        finally:
            for link in links:
                await link.close()

    asyncio.run(scenario())


async def redis_server_count(link: Link) -> int:
    return len(await link.client.keys("accords:limits*"))


def test_a_signal_crosses_replicas_and_is_made_up_for_after_redis_comes_back(
    redis_server: RedisServer,
) -> None:
    async def until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return condition()

    async def scenario() -> None:
        sender = RedisSignals(Link(redis_server.url, breaker=Breaker(failures=1, cooldown_s=0.2)))
        receiver_link = Link(redis_server.url, breaker=Breaker(failures=1, cooldown_s=0.2))
        receiver = RedisSignals(receiver_link)
        heard: list[float] = []
        receiver.on("store", lambda: heard.append(time.monotonic()))
        await receiver.start()
        await sender.start()
        try:
            assert await until(lambda: len(heard) == 1)  # subscribed: once, for anything missed
            sent = time.monotonic()
            await sender.publish("store")
            assert await until(lambda: len(heard) == 2)
            assert heard[1] - sent < 0.5

            redis_server.kill()
            await sender.publish("store")  # lost: no error, the sender acts on it locally
            redis_server.restart()
            assert await until(lambda: len(heard) >= 3, 10.0)  # re-subscribed, and made up for it
        finally:
            await sender.close()
            await receiver.close()
            await receiver_link.close()

    asyncio.run(scenario())


def test_accords_keys_writes_to_redis_when_it_is_configured(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    env = {"ACCORDS_REDIS_URL": redis_server.url}
    created = run_accords(data, "keys", "create", "--origin", "https://a.example", "--rate", "3/min", **env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert not (data / "site-keys.json").exists()
    listed = run_accords(data, "keys", "list", "--json", **env)
    assert key in listed.stdout and "3/minute" in listed.stdout
    assert run_accords(data, "keys", "revoke", key, **env).returncode == 0
    assert key not in run_accords(data, "keys", "list", "--json", **env).stdout
    assert run_accords(data, "keys", "list", "--json").stdout.strip() == "[]"  # the file: none


def test_a_service_whose_redis_dies_answers_degraded_and_recovers(
    redis_server: RedisServer, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(redis_url=redis_server.url)
    first = client.post("/chat", json={"question": "When was the Northwater Basin Treaty signed?"}).json()
    assert first["degraded"] is False
    follow = {"question": "Who signed it?", "conversation_id": first["conversation_id"]}
    assert client.post("/chat", json=follow).json()["degraded"] is False
    assert "degraded" not in client.get("/ready").json()

    redis_server.kill()
    started = time.perf_counter()
    answers = [client.post("/chat", json=follow) for _ in range(4)]
    assert time.perf_counter() - started < 10
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.json()["degraded"] for a in answers)
    assert "unavailable" in answers[0].json()["degraded_reason"]
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    assert ready.json()["degraded"]["shared_state"]["state"] == "degraded"
    assert "accords_shared_degraded 1.0" in client.get("/metrics").text

    redis_server.restart()  # empty: the conversation is gone, but nothing is degraded any more
    deadline = time.monotonic() + 15
    while "degraded" in client.get("/ready").json() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "degraded" not in client.get("/ready").json()
    again = client.post("/chat", json=follow).json()
    assert again["degraded"] is False
