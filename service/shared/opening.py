"""`Shared`, the shared state a runtime holds, and `open_shared`, which picks its parts: in this process
without a Redis URL, in Redis with one. Also what the commands need: `key_records` (`accords keys`) and
`publish_now` (`accords ingest`'s signal to the running replicas).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.shared.conversations import Conversations, ConversationStore, RedisConversations
from service.shared.jobs import JobBoard, MemoryJobBoard, RedisJobBoard
from service.shared.keys import DIRECT_TIMEOUT_S, FileKeyRecords, KeyRecords, RedisKeyRecords
from service.shared.link import UNAVAILABLE, Link, connect, where
from service.shared.ratelimits import MemoryRateWindows, RateWindows, RedisRateWindows
from service.shared.signals import CHANNEL, KEYS, LocalSignals, RedisSignals, Signals
from service.shared.tasks import stop_tasks

log = logging.getLogger(__name__)
KEYS_SYNC_S = 1.0  # the keys mirror's backstop poll (the keys signal is the fast path)


@dataclass(slots=True)
class Shared:
    conversations: ConversationStore
    rate_windows: RateWindows
    jobs: JobBoard
    keys: KeyRecords
    signals: Signals
    link: Link | None = None  # None: everything in this process
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Subscribe to the signals and keep the keys mirror current (with Redis), until `close`."""
        await self.signals.start()
        if isinstance(self.keys, RedisKeyRecords):
            await self.keys.adopt()  # a deployment moving from the key file to Redis
            await self.keys.sync()  # the keys before the first request, if Redis answers
            wake = asyncio.Event()
            self.signals.on(KEYS, wake.set)
            self._tasks.append(asyncio.create_task(_keep_synced(self.keys, wake), name="accords-keys-sync"))

    async def close(self) -> None:
        await stop_tasks(self._tasks)
        self._tasks.clear()
        await self.signals.close()
        if self.link is not None:
            await self.link.close()

    def status(self) -> dict[str, Any] | None:
        """What /ready says of the shared state: None in one process; with Redis, whether it answers."""
        if self.link is None:
            return None
        breaker = self.link.breaker
        if not breaker.open:
            return {"backend": "redis", "state": "ok"}
        return {
            "backend": "redis",
            "state": "degraded",
            "detail": "shared state unavailable: follow-ups are answered as stand-alone questions, rate "
            "limits are counted per replica, and other replicas' jobs are not visible",
            "error": breaker.reason,
        }

    async def probe(self) -> None:
        """One cheap call (for /ready), so a recovered Redis is noticed even when nothing else uses it."""
        if self.link is not None:
            await self.link.ping()


async def _keep_synced(keys: RedisKeyRecords, wake: asyncio.Event) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), KEYS_SYNC_S)
        wake.clear()
        await keys.sync()


def publish_now(redis_url: str, topic: str) -> bool:
    """Publish one signal from a command (`accords ingest`), on a connection of its own; False when Redis
    did not answer (the replicas' timers catch up instead)."""

    async def send() -> None:
        client = connect(redis_url, DIRECT_TIMEOUT_S)
        try:
            await client.publish(CHANNEL, topic)
        finally:
            await client.aclose()

    try:
        asyncio.run(send())
    except UNAVAILABLE as error:
        log.warning("could not signal the replicas through redis at %s: %s", where(redis_url), error)
        return False
    return True


def key_records(redis_url: str | None, keys_file: Path) -> KeyRecords:
    """Where `accords keys` reads and writes the keys: Redis when configured, else the data dir's file."""
    if not redis_url:
        return FileKeyRecords(keys_file)
    records = RedisKeyRecords(redis_url, key_file=keys_file)
    asyncio.run(records.adopt())  # at once when there is no key file
    return records


def open_shared(
    redis_url: str | None,
    keys_file: Path,
    conversation_turns: int,
    conversation_ttl_s: float,
    max_conversations: int,
    timeout_s: float = 0.25,
) -> Shared:
    """The in-process parts without `redis_url`; the Redis parts with it (nothing is connected yet)."""
    if not redis_url:
        return Shared(
            conversations=Conversations(conversation_turns, conversation_ttl_s, max_conversations),
            rate_windows=MemoryRateWindows(),
            jobs=MemoryJobBoard(),
            keys=FileKeyRecords(keys_file),
            signals=LocalSignals(),
        )
    link = Link(redis_url, timeout_s)
    log.info("shared state in redis at %s", where(redis_url))
    return Shared(
        conversations=RedisConversations(link, conversation_turns, conversation_ttl_s),
        rate_windows=RedisRateWindows(link),
        jobs=RedisJobBoard(link),
        keys=RedisKeyRecords(redis_url, link, key_file=keys_file),
        signals=RedisSignals(link),
        link=link,
    )
