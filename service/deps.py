"""Typed dependencies for the routes: the runtime the lifespan opened, and its parts.

The one module that reads `app.state`: routes declare what they need (`ResponderDep`, `ViewDep`, ...),
and the ASGI middleware gets the runtime through `runtime_of`, which app.py hands it as a provider.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from starlette.types import ASGIApp

from ingest.store import ChunkStore
from service.access import AccessPolicy, caller_of
from service.admin import AdminState
from service.chat import Responder
from service.owner import OwnerStore
from service.retrieval.view import StoreView
from service.runtime import Runtime
from service.settings import Settings


def set_settings(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings


def set_runtime(app: FastAPI, runtime: Runtime | None) -> None:
    app.state.runtime = runtime


def runtime_of(app: ASGIApp) -> Runtime | None:
    """The runtime while the app is up (None while it starts or stops)."""
    runtime = getattr(getattr(app, "state", None), "runtime", None)
    return runtime if isinstance(runtime, Runtime) else None


def get_runtime(request: Request) -> Runtime:
    runtime = runtime_of(request.app)
    if runtime is None:
        raise HTTPException(503, "the service is starting or stopping")
    return runtime


def get_settings(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings), "create_app sets it"
    return settings


def get_responder(request: Request) -> Responder:
    return get_runtime(request).responder


def get_store(request: Request) -> ChunkStore:
    return get_runtime(request).store


def get_view(request: Request) -> StoreView:
    view = get_runtime(request).view
    view.refresh()
    return view


def get_access(request: Request) -> AccessPolicy:
    return get_runtime(request).access


def get_admin(request: Request) -> AdminState:
    return get_runtime(request).admin


def get_owner(request: Request) -> OwnerStore:
    """The owner store (feedback, question log), for the admin routes."""
    owner = get_runtime(request).owner
    if owner is None:
        raise HTTPException(503, "the owner store is not open")
    return owner


def get_feedback(request: Request) -> OwnerStore:
    """The owner store as a visitor's route reaches it: like the responder, it marks the route as one the
    widget calls, so `service.routes.chat_paths` puts it under the chat routes' access rule."""
    return get_owner(request)


def get_site_key(request: Request) -> str | None:
    """The site key the caller sent, on a chat route (where the access rule has accepted it)."""
    return caller_of(request.scope).site_key


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ResponderDep = Annotated[Responder, Depends(get_responder)]
StoreDep = Annotated[ChunkStore, Depends(get_store)]
ViewDep = Annotated[StoreView, Depends(get_view)]
AccessDep = Annotated[AccessPolicy, Depends(get_access)]
AdminStateDep = Annotated[AdminState, Depends(get_admin)]
OwnerDep = Annotated[OwnerStore, Depends(get_owner)]
FeedbackDep = Annotated[OwnerStore, Depends(get_feedback)]
SiteKeyDep = Annotated[str | None, Depends(get_site_key)]
