"""POST /chat: a question in, a cited answer out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from service.deps import EngineDep
from service.schemas import ChatRequest, ChatResponse, ErrorBody

router = APIRouter(tags=["chat"])

ERRORS: dict[int | str, dict[str, object]] = {
    413: {"model": ErrorBody, "description": "Body over the size limit"},
    415: {"model": ErrorBody, "description": "Body is not JSON"},
    422: {"model": ErrorBody, "description": "Invalid request; the message names the field"},
    503: {"model": ErrorBody, "description": "The document store is unavailable"},
}


def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, "send the request as JSON (Content-Type: application/json)")


@router.post("/chat", response_model=ChatResponse, responses=ERRORS, dependencies=[Depends(require_json)])
async def chat(body: ChatRequest, engine: EngineDep) -> ChatResponse:
    """Answer a question from the documents, citing each sentence's passage as [n]."""
    return await run_in_threadpool(engine.chat, body)
