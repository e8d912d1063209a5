"""Liveness and readiness, for load balancers and the container HEALTHCHECK.

`/ready` answers anyone, so its reason is generic ("the document store is unreachable"); what went wrong
(an address, an exception's text) goes to the log, and into the answer only for a caller with a valid
admin token (the admin API's gate decides).

503 when a question could not be answered: the store or a configured embeddings server
(ACCORDS_EMBEDDINGS_URL: any HTTP answer from it within `EMBEDDINGS_TIMEOUT_S` counts) does not answer.
With shared state (ACCORDS_REDIS_URL), a Redis that does not answer is reported under `degraded` while the
status stays "ready" (200): the replica still answers, each follow-up as a stand-alone question.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ingest.store import StoreUnavailable
from service.access import caller_of
from service.deps import runtime_of

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)
EMBEDDINGS_TIMEOUT_S = 1.0


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (says nothing about the store)."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Model not loaded or store unreachable"}})
async def ready(request: Request) -> JSONResponse:
    """200 when the model is loaded and the store (and a configured embeddings server) answer; 503
    otherwise. A shared state (Redis) that does not answer is listed under `degraded`, still 200."""
    runtime = runtime_of(request.app)
    if runtime is None:
        return JSONResponse({"status": "starting", "detail": "the model is not loaded yet"}, status_code=503)
    admin = runtime.admin.gate.check(caller_of(request.scope)).who is not None
    try:
        await run_in_threadpool(runtime.store.generation)
    except StoreUnavailable as err:
        log.warning("not ready: %s", err)
        return _unavailable("the document store is unreachable", str(err) if admin else None)
    embeddings = runtime.settings.embeddings_url
    if embeddings and (error := await _unreachable(embeddings)) is not None:
        log.warning("not ready: the embeddings server at %s: %s", embeddings, error)
        return _unavailable("the embeddings server is unreachable", error if admin else None)
    body: dict[str, Any] = {"status": "ready", "documents": len(runtime.view.catalog.documents)}
    await runtime.shared.probe()
    shared = runtime.shared.status()
    if shared is not None and shared["state"] != "ok":
        if not admin:
            shared = {name: value for name, value in shared.items() if name != "error"}
        body["degraded"] = {"shared_state": shared}
    return JSONResponse(body)


def _unavailable(detail: str, error: str | None) -> JSONResponse:
    body = {"status": "unavailable", "detail": detail}
    if error is not None:
        body["error"] = error
    return JSONResponse(body, status_code=503)


async def _unreachable(base_url: str) -> str | None:
    """None when the embeddings server answers HTTP at all (its `/models`, which most servers have)."""
    try:
        async with httpx.AsyncClient(timeout=EMBEDDINGS_TIMEOUT_S, trust_env=False) as client:
            await client.get(base_url.rstrip("/") + "/models")
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return None
