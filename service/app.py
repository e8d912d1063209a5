"""The FastAPI application: `create_app(settings)` wires the routes and the middleware; its lifespan opens
the runtime (model, store, view, chat, access policy, admin state) once and closes it on the way out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ingest.embedders import Embedder
from service import __version__, deps
from service.access import AccessPolicy, AdminGate, access_middleware
from service.http import install_middleware
from service.routes import ROUTERS, chat_paths, routes_of
from service.runtime import running
from service.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings, embedder: Embedder | None = None) -> FastAPI:
    """`embedder` lets tests pass a fake; the service itself loads the bundled model."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(settings, embedder, serving=True) as runtime:
            runtime.view.poll()  # picks up other processes' ingests even when idle
            deps.set_runtime(app, runtime)
            log.info("accords ready: %d documents", len(runtime.view.catalog.documents))
            try:
                yield
            finally:
                deps.set_runtime(app, None)

    app = FastAPI(
        title="accords",
        summary="Answers questions over agreement documents and cites the exact passages it used.",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served by service.routes.apidocs, without a CDN
        redoc_url=None,
    )
    deps.set_settings(app, settings)
    deps.set_runtime(app, None)

    def policy() -> AccessPolicy | None:
        runtime = deps.runtime_of(app)
        return runtime.access if runtime is not None else None

    def gate() -> AdminGate | None:
        runtime = deps.runtime_of(app)
        return runtime.admin.gate if runtime is not None else None

    routes = routes_of(ROUTERS)
    chat = chat_paths(routes)  # one list for the access rules and the cap
    install_middleware(
        app, settings, access=access_middleware(policy, chat, gate), chat_paths=chat, routes=routes
    )
    for router in ROUTERS:
        app.include_router(router)
    return app
