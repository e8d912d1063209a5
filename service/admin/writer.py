"""The admin API's one writer: every change it makes to the store runs on one thread, in arrival order.

Why one thread: the store takes one writer at a time per data dir (`ingest.store.guard`). A queue inside the
service turns "two admins upload at once" into "the second waits its turn" instead of a refusal, and each
task still takes the data dir's writer lock, so an `accords ingest` in another process and the service
never write at once either (whichever comes second is refused, naming the holder's pid). Questions are
answered meanwhile on the request threads; the model releases the GIL while it embeds. The writer's thread
runs at a lower CPU priority (nice 10; on Linux nice is per thread and inherited by the threads it starts:
the model's OpenMP workers, the pipeline's planner and writer), so a job takes the CPU that questions leave
rather than half of what they need: embedding queries while a job embedded in another thread, p95 went from
70-105 ms to 33-47 ms on a (busy) 2-CPU machine, p50 about the same. With no question to answer, the job
loses nothing.

After every task the service's `StoreView` catches up (catalog and lexical index) before the task's
future completes, so a question asked after an upload's reply sees the change, dense and lexical alike.
An upload waits at most `WAIT_S` for its turn (an ingest job may be running); if it has not started by
then it is withdrawn and answered 409 with Retry-After. On shutdown the running task stops at its next
progress step (what was committed stays, as after a kill, and the next ingest completes it) and queued
tasks are cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from ingest.pipeline import ProgressSink
from ingest.settings import StoreSettings
from ingest.store import WriterBusy, writer_lock
from service.retrieval.view import StoreView

log = logging.getLogger(__name__)
T = TypeVar("T")
WAIT_S = 30.0  # longest an upload waits for the writer before a 409
NICE = 10  # the writer thread's CPU priority, below the request threads' (0)


class Stopping(RuntimeError):
    """The service is shutting down: the write stopped between two batches."""


class Checkpoints:
    """A progress sink that ends the run at its next step once the service is stopping."""

    def __init__(self, stopping: threading.Event, inner: ProgressSink | None = None) -> None:
        self._stopping = stopping
        self._inner = inner

    def _check(self) -> None:
        if self._stopping.is_set():
            raise Stopping("the service stopped during the write; what was committed stays")

    def start(self, documents: int) -> None:
        self._check()
        if self._inner is not None:
            self._inner.start(documents)

    def advance(self, documents: int, chunks: int) -> None:
        if self._inner is not None:
            self._inner.advance(documents, chunks)
        self._check()


class Writer:
    def __init__(
        self, settings: StoreSettings, wait_s: float = WAIT_S, on_write: Callable[[], None] | None = None
    ) -> None:
        """`on_write` is called (on the writer's thread) after every task, once the view caught up: the
        shared store signal, so other replicas refresh at once (`service.shared.signals`)."""
        self._settings = settings
        self.wait_s = wait_s
        self._on_write = on_write
        self._guard = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self.stopping = threading.Event()

    def submit(
        self, task: Callable[[], T], view: StoreView, cleanup: Callable[[], None] | None = None
    ) -> Future[T]:
        """Queue `task` to run under the writer lock; `cleanup` runs after it, or when it is cancelled."""

        def run() -> T:
            try:
                if self.stopping.is_set():
                    raise Stopping("the service is stopping")
                with writer_lock(self._settings):
                    return task()
            finally:
                try:
                    view.catch_up()
                except Exception:  # the store may be gone; the view's own poll catches up later
                    log.warning("could not refresh the store view after a write", exc_info=True)
                if self._on_write is not None:  # also after a failure: what was committed by then stays
                    self._on_write()
                if cleanup is not None:
                    cleanup()

        with self._guard:
            if self._executor is None:
                self.stopping.clear()
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="accords-admin-writer", initializer=_yield_to_answers
                )
            future = self._executor.submit(run)
        if cleanup is not None:
            future.add_done_callback(lambda done: cleanup() if done.cancelled() else None)
        return future

    async def result(self, future: Future[T]) -> T:
        """The task's result; WriterBusy if it has not started within `wait_s` (it is then withdrawn).

        Once started it is awaited to the end, even if the client leaves: a write is never abandoned.
        """
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.wait_s)
        except TimeoutError:
            if future.cancel():
                raise WriterBusy(
                    f"the service's writer is busy (an ingest job or another upload) and this request "
                    f"waited {self.wait_s:g} s for its turn; try again later"
                ) from None
            return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stop the running task at its next step, cancel the queued ones, and wait for the thread."""
        with self._guard:
            executor, self._executor = self._executor, None
        if executor is not None:
            self.stopping.set()
            executor.shutdown(wait=True, cancel_futures=True)


def _yield_to_answers() -> None:
    """Lower the calling thread's CPU priority; only on Linux, where it affects that thread alone."""
    if not sys.platform.startswith("linux"):
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, max(NICE, os.getpriority(os.PRIO_PROCESS, thread)))
    except OSError:  # not allowed (a seccomp profile): the writes run at normal priority
        log.warning("could not lower the admin writer's CPU priority", exc_info=True)
