"""Expired rows deleted by the service itself: at start-up and then every `PURGE_INTERVAL_S`, by a task
the lifespan owns (`tidying`). Every replica runs it; the deletes are idempotent, so that costs nothing
but a few cheap queries an hour."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from service.owner.store import OwnerStore
from service.shared import stop_tasks

log = logging.getLogger(__name__)
PURGE_INTERVAL_S = 3600.0


async def purge_once(store: OwnerStore) -> None:
    try:
        answers, questions, feedback = await run_in_threadpool(store.purge)
    except SQLAlchemyError as error:
        log.warning("owner store: expired rows not deleted this time: %s", error)
        return
    if answers or questions or feedback:
        log.info(
            "owner store: deleted %d expired answers, %d logged questions and %d ratings",
            answers,
            questions,
            feedback,
        )


async def _purge_forever(store: OwnerStore, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await purge_once(store)


@asynccontextmanager
async def tidying(store: OwnerStore, interval: float = PURGE_INTERVAL_S) -> AsyncIterator[None]:
    """Purge now, then every `interval` seconds, while the block runs."""
    await purge_once(store)
    task = asyncio.create_task(_purge_forever(store, interval), name="owner-store-retention")
    try:
        yield
    finally:
        await stop_tasks([task])
