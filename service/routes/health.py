"""Liveness and readiness, for load balancers and the container HEALTHCHECK."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ingest.store import StoreUnavailable
from service.deps import runtime_of

router = APIRouter(tags=["health"])


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
        return JSONResponse({"status": "unavailable", "detail": str(err)}, status_code=503)
    return JSONResponse({"status": "ready", "documents": len(runtime.view.catalog.documents)})
