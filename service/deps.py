"""Typed dependencies for the routes: the runtime the lifespan opened, and its parts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request

from ingest.store import ChunkStore
from service.chat import ChatEngine
from service.responder import Responder
from service.retrieval.view import StoreView

if TYPE_CHECKING:
    from service.app import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    if runtime is None:
        raise HTTPException(503, "the service is starting or stopping")
    return runtime  # type: ignore[no-any-return]


def get_engine(request: Request) -> ChatEngine:
    return get_runtime(request).engine


def get_responder(request: Request) -> Responder:
    return get_runtime(request).responder


def get_store(request: Request) -> ChunkStore:
    return get_runtime(request).store


def get_view(request: Request) -> StoreView:
    view = get_runtime(request).view
    view.refresh()
    return view


EngineDep = Annotated[ChatEngine, Depends(get_engine)]
ResponderDep = Annotated[Responder, Depends(get_responder)]
StoreDep = Annotated[ChunkStore, Depends(get_store)]
ViewDep = Annotated[StoreView, Depends(get_view)]
