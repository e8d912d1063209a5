"""Everything a running service holds, opened once per process by the app's lifespan and closed by it.

Why one object: the routes, the middleware and the CLI need the same parts (model, store, view, chat
engine, responder, access policy, admin state), opened in one order and closed in the reverse one. The
lifespan owns it (`service.app`); routes reach its parts only through `service.deps`; `accords ask` and
`accords eval` open the same runtime, so a question takes one path whatever door it came in by.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field

from ingest.embedders import Embedder, open_embedder
from ingest.store import ChunkStore, open_store
from service.access import AccessPolicy, open_access
from service.admin import AdminState, Jobs, Writer, mirror_jobs
from service.answer.extractive import ExtractiveAnswerer
from service.answer.model import AnswerModel
from service.chat import ChatEngine, LLMClient, Responder, open_responder
from service.owner import OwnerStore, open_owner_store, tidying
from service.retrieval.hybrid import HybridRetriever
from service.retrieval.snapshot_writer import snapshot_path
from service.retrieval.view import StoreView
from service.settings import Settings
from service.shared import STORE, Shared, open_shared, stop_tasks

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """Everything the routes need, opened once per process."""

    settings: Settings
    embedder: Embedder
    store: ChunkStore
    view: StoreView
    engine: ChatEngine
    responder: Responder  # the async answer path (LLM when configured, extractive otherwise)
    access: AccessPolicy  # who may chat: origins, site keys, rate limits
    admin: AdminState  # the admin API's writer, jobs and keys
    shared: Shared  # what every replica shares (in this process without ACCORDS_REDIS_URL)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)  # started by `running`
    owner: OwnerStore | None = None  # feedback, question log (the service's; not ask's, eval's, tune's)


def open_runtime(
    settings: Settings,
    embedder: Embedder | None = None,
    llm: LLMClient | None = None,
    answer_model: AnswerModel | None = None,
    owner: OwnerStore | None = None,
) -> Runtime:
    """`llm` is the language model client the caller opened (and will close); None = extractive only.
    `answer_model` replaces the shipped, fitted one (`accords tune` fits a new one). `owner` records the
    answers (closed with the runtime)."""
    embedder = embedder or open_embedder(settings)
    store = open_store(settings, embedder)
    answer_model = answer_model or AnswerModel.load()
    if (mismatch := answer_model.mismatch(embedder.model_name)) is not None:
        log.warning("%s", mismatch)
    view = StoreView(store, settings.refresh_interval_s, snapshot_path(settings))
    shared = open_shared(
        settings.redis_url,
        settings.site_keys_path,
        settings.conversation_turns,
        settings.conversation_ttl_s,
        settings.max_conversations,
        settings.redis_timeout_s,
    )
    engine = ChatEngine(
        retriever=HybridRetriever(store, embedder, view),
        answerer=ExtractiveAnswerer(answer_model, settings.found_threshold),
        view=view,
        conversations=shared.conversations,
        default_top_k=settings.top_k,
    )
    # One key store for the access rule and the admin API: a key created or revoked through this replica
    # holds on it at once (with two stores, the access rule saw it only at its next read, up to 1 s later).
    access = open_access(settings, shared.keys, shared.rate_windows, check_interval=0)
    admin = AdminState(
        settings=settings,
        keys=access.keys,
        writer=Writer(settings, on_write=lambda: shared.signals.publish_threadsafe(STORE)),
        jobs=Jobs(),
        store=store,
        embedder=embedder,
        view=view,
        board=shared.jobs,
    )
    return Runtime(
        settings=settings,
        embedder=embedder,
        store=store,
        view=view,
        engine=engine,
        responder=open_responder(engine, embedder, settings, llm, owner),
        access=access,
        admin=admin,
        shared=shared,
        owner=owner,
    )


def close_runtime(runtime: Runtime) -> None:
    """Stop the writer first (its running task at its next step, queued ones cancelled), then the view."""
    runtime.admin.writer.close()
    runtime.view.close()
    if runtime.owner is not None:
        runtime.owner.close()


async def start_shared(runtime: Runtime) -> None:
    """Subscribe to the other replicas' signals (a commit nudges the view) and post this process's jobs."""
    shared = runtime.shared
    shared.signals.on(STORE, runtime.view.nudge)
    await shared.start()
    if shared.link is not None:
        mirror = mirror_jobs(runtime.admin.jobs, shared.jobs)
        runtime.tasks.append(asyncio.create_task(mirror, name="accords-jobs-mirror"))


async def stop_shared(runtime: Runtime) -> None:
    await stop_tasks(runtime.tasks)
    runtime.tasks.clear()
    await runtime.shared.close()


@asynccontextmanager
async def running(
    settings: Settings, embedder: Embedder | None = None, serving: bool = False
) -> AsyncIterator[Runtime]:
    """The runtime with its language model client, for as long as the block runs: what the app's lifespan,
    `accords ask` and `accords eval` each hold while they answer. `serving` (the lifespan): with the owner
    store, migrated first, and its retention task."""
    llm = LLMClient(settings) if settings.llm_base_url else None
    try:
        owner = await asyncio.to_thread(open_owner_store, settings) if serving else None
        try:
            runtime = open_runtime(settings, embedder, llm, owner=owner)
        except BaseException:
            if owner is not None:
                owner.close()
            raise
        if llm is not None:
            log.info("answers by %s at %s", settings.llm_model, settings.llm_base_url)
        try:
            await start_shared(runtime)
            tidy: AbstractAsyncContextManager[None] = tidying(owner) if owner is not None else nullcontext()
            async with tidy:
                yield runtime
        finally:
            close_runtime(runtime)
            await stop_shared(runtime)
    finally:
        if llm is not None:
            await llm.aclose()
