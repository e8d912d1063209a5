"""Each shared part on fakeredis: what two replicas (two links to one server) see of each other's writes,
what bounds hold, and what each part does when Redis does not answer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import fakeredis
import pytest

from service.access import SiteKeyStore
from service.admin import Jobs, find_job, mirror_jobs, recent_jobs
from service.shared import (
    KEYS,
    Breaker,
    Conversations,
    FileKeyRecords,
    Link,
    MemoryJobBoard,
    RedisConversations,
    RedisJobBoard,
    RedisKeyRecords,
    RedisSignals,
    Turn,
)
from service.shared.conversations import KEY_PREFIX
from tests.service.shared.conftest import FAKE_URL, fake_link


def turn(n: int) -> Turn:
    return Turn(f"question {n}", f"answer {n}", (f"doc-{n}",), True)


def down_link() -> Link:
    """A link whose every call fails at once (a Redis that refuses connections)."""
    client: Any = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
    client.connection_pool.connection_kwargs["server"].connected = False
    return Link(FAKE_URL, breaker=Breaker(failures=1), client=client)


def test_a_conversation_written_by_one_replica_is_read_by_another() -> None:
    server = fakeredis.FakeServer()

    async def scenario() -> None:
        one = RedisConversations(fake_link(server), max_turns=3, ttl_seconds=60)
        two = RedisConversations(fake_link(server), max_turns=3, ttl_seconds=60)
        new = await one.recall(None)
        assert len(new.conversation_id) == 32 and new.turns == [] and new.degraded_reason is None
        for n in range(5):
            await (one if n % 2 else two).remember(new.conversation_id, turn(n))
        recalled = await two.recall(new.conversation_id)
        assert recalled.turns == [turn(2), turn(3), turn(4)]  # bounded: the last three
        assert recalled.degraded_reason is None

    asyncio.run(scenario())


def test_turns_are_trimmed_and_expire() -> None:
    server = fakeredis.FakeServer()

    async def scenario() -> None:
        link = fake_link(server)
        conversations = RedisConversations(link, max_turns=3, ttl_seconds=30)
        await conversations.remember(
            "c", Turn("q" * 5000, "a" * 5000, tuple(f"d{n}" for n in range(9)), False)
        )
        ttl = await link.client.pttl(KEY_PREFIX + "c")
        assert 0 < ttl <= 30_000
        (kept,) = (await conversations.recall("c")).turns
        assert (len(kept.question), len(kept.answer), len(kept.document_ids)) == (600, 600, 5)
        await link.client.delete(KEY_PREFIX + "c")  # what the expiry does
        assert await conversations.recall("c") == type(await conversations.recall("c"))("c", [])

    asyncio.run(scenario())


def test_a_foreign_value_is_skipped_not_fatal() -> None:
    async def scenario() -> None:
        link = fake_link()
        await link.client.rpush(KEY_PREFIX + "c", "not json", json.dumps(["q", "a", ["d"], True]))
        assert (await RedisConversations(link, 3, 60).recall("c")).turns == [Turn("q", "a", ("d",), True)]

    asyncio.run(scenario())


def test_without_redis_a_follow_up_has_no_turns_and_says_why() -> None:
    async def scenario() -> None:
        conversations = RedisConversations(down_link(), max_turns=3, ttl_seconds=60)
        recalled = await conversations.recall("abc")
        assert recalled.conversation_id == "abc" and recalled.turns == []
        assert recalled.degraded_reason and "unavailable" in recalled.degraded_reason
        await conversations.remember("abc", turn(1))  # lost, silently
        new = await conversations.recall(None)  # a new conversation loses nothing: not degraded
        assert new.degraded_reason is None

    asyncio.run(scenario())


def test_in_memory_conversations_speak_the_same_interface() -> None:
    async def scenario() -> None:
        conversations = Conversations(max_turns=2, ttl_seconds=60, max_conversations=10)
        new = await conversations.recall(None)
        for n in range(3):
            await conversations.remember(new.conversation_id, turn(n))
        assert (await conversations.recall(new.conversation_id)).turns == [turn(1), turn(2)]

    asyncio.run(scenario())


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_the_job_board_keeps_the_last_jobs_newest_first(kind: str) -> None:
    async def scenario() -> None:
        board = MemoryJobBoard(keep=3) if kind == "memory" else RedisJobBoard(fake_link(), keep=3)
        for n in range(5):
            await board.post({"id": f"job_{n}", "status": "queued", "created_at": f"2026-01-0{n + 1}"})
        await board.post({"id": "job_4", "status": "succeeded", "created_at": "2026-01-05"})
        assert [r["id"] for r in await board.recent()] == ["job_4", "job_3", "job_2"]
        assert await board.get("job_0") is None
        assert (await board.get("job_4") or {})["status"] == "succeeded"

    asyncio.run(scenario())


def test_another_replicas_job_is_visible_and_a_down_board_answers_nothing() -> None:
    server = fakeredis.FakeServer()

    async def scenario() -> None:
        await RedisJobBoard(fake_link(server)).post({"id": "job_a", "status": "running"})
        assert (await RedisJobBoard(fake_link(server)).get("job_a") or {})["status"] == "running"
        down = RedisJobBoard(down_link())
        await down.post({"id": "job_b"})
        assert await down.get("job_a") is None and await down.recent() == []

    asyncio.run(scenario())


def test_keys_written_by_the_cli_reach_every_replicas_mirror(tmp_path: Path) -> None:
    server = fakeredis.FakeServer()

    def connector(url: str, timeout: float) -> Any:
        return fakeredis.FakeAsyncRedis(server=server, decode_responses=True)

    cli = SiteKeyStore(tmp_path / "unused.json", records=RedisKeyRecords(FAKE_URL, connector=connector))
    key = cli.create(["https://a.example"], "5/minute")
    secret_key, secret = cli.create_admin("ops")
    assert [k.key for k in cli.keys()] == [key.key, secret_key.key]
    assert not (tmp_path / "unused.json").exists()  # nothing in the data dir

    mirror = RedisKeyRecords(FAKE_URL, fake_link(server))
    replica = SiteKeyStore(tmp_path / "unused.json", check_interval=0, records=mirror)
    assert replica.get(key.key) is None  # not synced yet
    asyncio.run(mirror.sync())
    assert replica.get(key.key) == key and replica.admin_key(secret) == secret_key
    assert replica.allowed_origins() == {"https://a.example"}

    cli.revoke(key.key)
    asyncio.run(mirror.sync())
    assert replica.get(key.key) is None and replica.admin_key(secret) == secret_key


def test_a_replicas_mirror_keeps_the_last_keys_while_redis_is_down(tmp_path: Path) -> None:
    server = fakeredis.FakeServer()
    link = fake_link(server, Breaker(failures=1))
    mirror = RedisKeyRecords(FAKE_URL, link)
    record = {"key": "pk_x", "origins": ["https://a.example"]}
    asyncio.run(link.client.set("accords:keys", json.dumps({"version": 1, "keys": [record]})))
    asyncio.run(link.client.incr("accords:keys:version"))
    store = SiteKeyStore(tmp_path / "k.json", check_interval=0, records=mirror)
    asyncio.run(mirror.sync())
    assert store.get("pk_x") is not None
    server.connected = False
    asyncio.run(mirror.sync())
    assert link.breaker.open and store.get("pk_x") is not None


def test_the_file_records_are_what_the_key_file_always_was(tmp_path: Path) -> None:
    store = SiteKeyStore(tmp_path / "site-keys.json")
    key = store.create(["https://a.example"])
    assert FileKeyRecords(tmp_path / "site-keys.json").read()[0]["key"] == key.key


def test_a_signal_published_by_one_replica_reaches_the_others() -> None:
    server = fakeredis.FakeServer()

    async def scenario() -> None:
        one, two = RedisSignals(fake_link(server)), RedisSignals(fake_link(server))
        heard: list[str] = []
        two.on(KEYS, lambda: heard.append("keys"))
        await two.start()
        await one.start()
        for _ in range(100):  # the subscription is made (and fires once, for what it may have missed)
            if heard:
                break
            await asyncio.sleep(0.01)
        heard.clear()
        await one.publish(KEYS)
        for _ in range(200):
            if heard:
                break
            await asyncio.sleep(0.01)
        await one.close()
        await two.close()
        assert heard == ["keys"]

    asyncio.run(scenario())


def test_the_replica_running_a_job_mirrors_its_changes_to_the_board(tmp_path: Path) -> None:
    server = fakeredis.FakeServer()
    jobs = Jobs()
    job = jobs.add("folder", False, tmp_path)

    async def scenario() -> None:
        board, elsewhere = RedisJobBoard(fake_link(server)), RedisJobBoard(fake_link(server))
        mirror = asyncio.create_task(mirror_jobs(jobs, board, every=0.01))
        try:
            await asyncio.sleep(0.05)
            assert (await elsewhere.get(job.id) or {})["status"] == "queued"
            job.begin()
            await asyncio.sleep(0.05)
            assert (await find_job(Jobs(), elsewhere, job.id) or {})["status"] == "running"
            assert [r["id"] for r in await recent_jobs(Jobs(), elsewhere)] == [job.id]
        finally:
            mirror.cancel()

    asyncio.run(scenario())


def test_a_key_file_is_imported_once_into_a_redis_without_keys(tmp_path: Path) -> None:
    """Moving to Redis keeps the keys; the file is renamed so keys revoked later never come back."""
    server = fakeredis.FakeServer()

    def connector(url: str, timeout: float) -> Any:
        return fakeredis.FakeAsyncRedis(server=server, decode_responses=True)

    key_file = tmp_path / "site-keys.json"
    key = SiteKeyStore(key_file).create(["https://a.example"], "5/minute")

    first = RedisKeyRecords(FAKE_URL, fake_link(server), key_file=key_file)
    second = RedisKeyRecords(FAKE_URL, fake_link(server), connector, key_file=key_file)
    assert asyncio.run(first.adopt()) == 1
    assert asyncio.run(second.adopt()) == 0  # a replica starting alongside: nothing left to import
    assert not key_file.exists() and (tmp_path / "site-keys.json.imported").exists()
    asyncio.run(second.sync())
    replica = SiteKeyStore(key_file, check_interval=0, records=second)
    assert replica.get(key.key) == key

    replica.revoke(key.key)  # revoked in Redis; an old copy of the file put back is not read again
    (tmp_path / "site-keys.json.imported").rename(key_file)
    assert asyncio.run(RedisKeyRecords(FAKE_URL, fake_link(server), key_file=key_file).adopt()) == 0
    assert key_file.exists()
    asyncio.run(second.sync())
    assert replica.get(key.key) is None


def test_the_keys_command_imports_the_key_file_too(tmp_path: Path) -> None:
    server = fakeredis.FakeServer()

    def connector(url: str, timeout: float) -> Any:
        return fakeredis.FakeAsyncRedis(server=server, decode_responses=True)

    key_file = tmp_path / "site-keys.json"
    key = SiteKeyStore(key_file).create(["https://a.example"])
    records = RedisKeyRecords(FAKE_URL, connector=connector, key_file=key_file)
    assert asyncio.run(records.adopt()) == 1
    assert [record["key"] for record in records.read()] == [key.key]
