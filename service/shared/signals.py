"""Change signals between replicas: "the store changed", "the keys changed", published after each change.

Why signals and not only timers: every replica already polls the store's generation every
`refresh_interval_s`, but a signal starts its refresh at once, so after an admin upload or ingest on one
replica every other replica reads the new catalog within milliseconds and answers from the new lexical
index as soon as its rebuild ends (well within the 2 s the docs state at the sizes the tests use; the
timer stays the backstop). In one process (`LocalSignals`) a signal calls its handlers directly; with Redis
(`RedisSignals`) it is one pub/sub channel. A message missed while Redis was away is made up for on
reconnection: every handler is called once then, as if each topic had changed.

Handlers run on the event loop and must be quick (set an event, start a task).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from service.shared.link import UNAVAILABLE, Link
from service.shared.tasks import stop_tasks

log = logging.getLogger(__name__)
CHANNEL = "accords:signals"
STORE, KEYS = "store", "keys"  # the topics
RECONNECT_S = 1.0
Handler = Callable[[], None]


class Signals(Protocol):
    def on(self, topic: str, handler: Handler) -> None: ...

    async def publish(self, topic: str) -> None: ...

    def publish_threadsafe(self, topic: str) -> None:
        """Publish from another thread (the admin writer's)."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class _Handlers:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._loop: asyncio.AbstractEventLoop | None = None

    def on(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    def fire(self, topic: str | None = None) -> None:
        """Call the handlers of `topic`, or of every topic."""
        topics = [topic] if topic is not None else list(self._handlers)
        for name in topics:
            for handler in self._handlers.get(name, ()):
                try:
                    handler()
                except Exception:
                    log.exception("signal handler for %r failed", name)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    def publish_threadsafe(self, topic: str) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the service is stopping
            loop.call_soon_threadsafe(lambda: _spawn(self.publish(topic)))

    async def publish(self, topic: str) -> None:
        raise NotImplementedError  # each kind of signals says how it publishes


_TASKS: set[asyncio.Task[None]] = set()


def _spawn(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run `coroutine` as a task, held until it ends (the loop keeps only weak references)."""
    task = asyncio.ensure_future(coroutine)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


class LocalSignals(_Handlers):
    async def publish(self, topic: str) -> None:
        self.fire(topic)

    async def close(self) -> None:
        self._loop = None


class RedisSignals(_Handlers):
    def __init__(self, link: Link) -> None:
        super().__init__()
        self._link = link
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, topic: str) -> None:
        async def send() -> int:
            return int(await self._link.client.publish(CHANNEL, topic))

        if await self._link.call("signals", send, -1) < 0:
            self.fire(topic)  # not shared: this replica at least acts on it

    async def start(self) -> None:
        await super().start()
        self._listener = asyncio.create_task(self._listen(), name="accords-shared-signals")

    async def close(self) -> None:
        self._loop = None
        await stop_tasks([self._listener])

    async def _listen(self) -> None:
        while True:
            if not self._link.breaker.open:
                try:
                    await self._subscribed()
                except UNAVAILABLE as error:
                    log.debug("signal subscription lost: %s", error)
            await asyncio.sleep(RECONNECT_S)

    async def _subscribed(self) -> None:
        async with self._link.client.pubsub(ignore_subscribe_messages=True) as pubsub:
            await asyncio.wait_for(pubsub.subscribe(CHANNEL), self._link.timeout_s * 4)
            self.fire()  # whatever was published while not subscribed
            idle = 0.0
            while not self._link.breaker.open:
                message = await pubsub.get_message(timeout=RECONNECT_S)
                if message is None:
                    idle += RECONNECT_S
                    if idle >= 5 * RECONNECT_S:  # a silent channel: check the connection is alive
                        await asyncio.wait_for(pubsub.ping(), self._link.timeout_s * 4)
                        idle = 0.0
                    continue
                idle = 0.0
                if message.get("type") == "message":
                    self.fire(str(message.get("data")))
