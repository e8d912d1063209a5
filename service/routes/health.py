"""Liveness and readiness, for load balancers and the container HEALTHCHECK.

`/ready` answers anyone, so its reason is generic ("the document store is unreachable"); what went wrong
(an address, an exception's text) goes to the log, and into the answer only for a caller with a valid
admin token (the admin API's gate decides).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ingest.store import StoreUnavailable
from service.access import caller_of
from service.deps import runtime_of

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up (says nothing about the store)."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Model not loaded or store unreachable"}})
async def ready(request: Request) -> JSONResponse:
    """200 when the model is loaded and the store answers; 503 otherwise."""
    runtime = runtime_of(request.app)
    if runtime is None:
        return JSONResponse({"status": "starting", "detail": "the model is not loaded yet"}, status_code=503)
    try:
        await run_in_threadpool(runtime.store.generation)
    except StoreUnavailable as err:
        log.warning("not ready: %s", err)
        body = {"status": "unavailable", "detail": "the document store is unreachable"}
        if runtime.admin.gate.check(caller_of(request.scope)).who is not None:
            body["error"] = str(err)
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "documents": len(runtime.view.catalog.documents)})
