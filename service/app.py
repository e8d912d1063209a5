"""The FastAPI application: `create_app(settings)` opens the model and the store once, in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from ingest.embedder import Embedder
from ingest.runtime import open_embedder, open_store
from ingest.store import ChunkStore
from service import errors, guards, headers, logs, metrics, siteaccess
from service.admin import install as admin_api
from service.answer.extractive import ExtractiveAnswerer
from service.chat import ChatEngine
from service.conversations import Conversations
from service.limits import BodyLimit
from service.llm.client import LLMClient
from service.responder import Responder, open_responder
from service.retrieval.hybrid import HybridRetriever
from service.retrieval.view import StoreView
from service.routes import apidocs, chat, documents, health, openai_compat, stream, widget
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


def open_runtime(
    settings: Settings, embedder: Embedder | None = None, llm: LLMClient | None = None
) -> Runtime:
    """`llm` is the language model client the lifespan opened (and will close); None = extractive only."""
    embedder = embedder or open_embedder(settings)
    store = open_store(settings, embedder)
    view = StoreView(store, settings.refresh_interval_s)
    engine = ChatEngine(
        retriever=HybridRetriever(store, embedder, view),
        answerer=ExtractiveAnswerer(settings.found_threshold),
        view=view,
        conversations=Conversations(
            settings.conversation_turns, settings.conversation_ttl_s, settings.max_conversations
        ),
        default_top_k=settings.top_k,
    )
    return Runtime(
        settings=settings,
        embedder=embedder,
        store=store,
        view=view,
        engine=engine,
        responder=open_responder(engine, embedder, settings, llm),
    )


def create_app(settings: Settings, embedder: Embedder | None = None) -> FastAPI:
    """`embedder` lets tests pass a fake; the service itself loads the bundled model."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        llm = LLMClient(settings) if settings.llm_base_url else None
        try:
            app.state.runtime = open_runtime(settings, embedder, llm)
            app.state.runtime.view.poll()  # picks up other processes' ingests even when idle
            log.info("accords ready: %d documents", len(app.state.runtime.view.catalog.documents))
            if llm is not None:
                log.info("answers by %s at %s", settings.llm_model, settings.llm_base_url)
            yield
        finally:
            admin_api.shutdown(app)  # stops a running ingest job before the store goes
            if app.state.runtime is not None:
                app.state.runtime.view.close()
            app.state.runtime = None
            if llm is not None:
                await llm.aclose()

    app = FastAPI(
        title="accords",
        summary="Answers questions over agreement documents and cites the exact passages it used.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by service.routes.apidocs, without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.runtime = None
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt=admin_api.STREAMED_PATHS)
    guards.install(app, settings)  # concurrency cap on the answer routes; per-IP rate on /v1
    siteaccess.install(app, settings)  # CORS, site keys and rate limits on the chat routes
    headers.install(app)  # CSP and security headers
    metrics.install(app)  # per-route counts and latencies, GET /metrics
    logs.install(app)  # X-Request-ID, outermost
    app.include_router(chat.router)
    app.include_router(stream.router)
    app.include_router(openai_compat.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(widget.router)
    app.include_router(apidocs.router)
    admin_api.install(app, settings)  # /admin/*: uploads, deletions, ingest jobs (bearer token)
    return app
