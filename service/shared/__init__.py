"""State that every replica of the service must agree on, kept in this process or, with
`ACCORDS_REDIS_URL`, in Redis: conversations, rate-limit windows, ingest jobs' status, site and admin keys,
and the signal that the store or the keys changed.

Why one package: a single `accords serve` (the laptop) keeps all of it in memory and in the data dir, as it
always did; several replicas behind a load balancer must share it, or a follow-up loses its context on
another replica, a key's rate multiplies by the replica count, and a job is 404 on the replica that did not
run it. Each part is a narrow interface with an in-process implementation and a Redis one, and all Redis
parts share one connection and one circuit breaker (`link`): Redis down or slow degrades each part to a
local fallback in at most one short timeout, and recovers by itself. `open_shared` picks the
implementations; the runtime holds the result and starts and closes it.
"""

from __future__ import annotations

from service.shared.conversations import (
    Conversations,
    ConversationStore,
    Recalled,
    RedisConversations,
    Turn,
)
from service.shared.jobs import JobBoard, MemoryJobBoard, RedisJobBoard
from service.shared.keys import FileKeyRecords, KeyRecords, KeyRecordsUnavailable, RedisKeyRecords
from service.shared.link import Breaker, Link
from service.shared.opening import Shared, key_records, open_shared, publish_now
from service.shared.ratelimits import Check, MemoryRateWindows, RateWindows, RedisRateWindows
from service.shared.signals import KEYS, STORE, LocalSignals, RedisSignals, Signals
from service.shared.tasks import stop_tasks

__all__ = [
    "KEYS",
    "STORE",
    "Breaker",
    "Check",
    "ConversationStore",
    "Conversations",
    "FileKeyRecords",
    "JobBoard",
    "KeyRecords",
    "KeyRecordsUnavailable",
    "Link",
    "LocalSignals",
    "MemoryJobBoard",
    "MemoryRateWindows",
    "RateWindows",
    "Recalled",
    "RedisConversations",
    "RedisJobBoard",
    "RedisKeyRecords",
    "RedisRateWindows",
    "RedisSignals",
    "Shared",
    "Signals",
    "Turn",
    "key_records",
    "open_shared",
    "publish_now",
    "stop_tasks",
]
