"""Everything a running service holds, opened once per process by the app's lifespan and closed by it.

Why one object: the routes, the middleware and the CLI need the same parts (model, store, view, chat
engine, responder, access policy, admin state), opened in one order and closed in the reverse one. The
lifespan owns it (`service.app`); routes reach its parts only through `service.deps`; `accords ask` and
`accords eval` open the same runtime, so a question takes one path whatever door it came in by.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from ingest.embedders import Embedder, open_embedder
from ingest.store import ChunkStore, open_store
from service.access import AccessPolicy, SiteKeyStore, open_access
from service.admin import AdminState, Jobs, Writer
from service.answer.extractive import ExtractiveAnswerer
from service.answer.model import AnswerModel
from service.chat import ChatEngine, Conversations, LLMClient, Responder, open_responder
from service.retrieval.hybrid import HybridRetriever
from service.retrieval.view import StoreView
from service.settings import Settings

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


def open_runtime(
    settings: Settings,
    embedder: Embedder | None = None,
    llm: LLMClient | None = None,
    answer_model: AnswerModel | None = None,
) -> Runtime:
    """`llm` is the language model client the caller opened (and will close); None = extractive only.
    `answer_model` replaces the shipped, fitted one (`accords tune` fits a new one)."""
    embedder = embedder or open_embedder(settings)
    store = open_store(settings, embedder)
    view = StoreView(store, settings.refresh_interval_s)
    engine = ChatEngine(
        retriever=HybridRetriever(store, embedder, view),
        answerer=ExtractiveAnswerer(answer_model or AnswerModel.load(), settings.found_threshold),
        view=view,
        conversations=Conversations(
            settings.conversation_turns, settings.conversation_ttl_s, settings.max_conversations
        ),
        default_top_k=settings.top_k,
    )
    admin = AdminState(
        settings=settings,
        keys=SiteKeyStore(settings.site_keys_path, check_interval=0),
        writer=Writer(settings),
        jobs=Jobs(),
        store=store,
        embedder=embedder,
        view=view,
    )
    return Runtime(
        settings=settings,
        embedder=embedder,
        store=store,
        view=view,
        engine=engine,
        responder=open_responder(engine, embedder, settings, llm),
        access=open_access(settings),
        admin=admin,
    )


def close_runtime(runtime: Runtime) -> None:
    """Stop the writer first (its running task at its next step, queued ones cancelled), then the view."""
    runtime.admin.writer.close()
    runtime.view.close()


@asynccontextmanager
async def running(settings: Settings, embedder: Embedder | None = None) -> AsyncIterator[Runtime]:
    """The runtime with its language model client, for as long as the block runs: what the app's lifespan,
    `accords ask` and `accords eval` each hold while they answer."""
    llm = LLMClient(settings) if settings.llm_base_url else None
    try:
        runtime = open_runtime(settings, embedder, llm)
        if llm is not None:
            log.info("answers by %s at %s", settings.llm_model, settings.llm_base_url)
        try:
            yield runtime
        finally:
            close_runtime(runtime)
    finally:
        if llm is not None:
            await llm.aclose()
