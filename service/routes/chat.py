"""POST /chat: a question in, a cited answer out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from service.deps import ResponderDep
from service.schemas import ChatRequest, ChatResponse, ErrorBody

router = APIRouter(tags=["chat"])

ERRORS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorBody, "description": "Site key unknown, revoked, missing or not for this origin"},
    413: {"model": ErrorBody, "description": "Body over the size limit"},
    415: {"model": ErrorBody, "description": "Body is not JSON"},
    422: {"model": ErrorBody, "description": "Invalid request; the message names the field"},
    429: {"model": ErrorBody, "description": "Rate limit of the site key or client IP; see Retry-After"},
    503: {"model": ErrorBody, "description": "The document store is unavailable"},
}


def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise HTTPException(415, "send the request as JSON (Content-Type: application/json)")


@router.post("/chat", response_model=ChatResponse, responses=ERRORS, dependencies=[Depends(require_json)])
async def chat(body: ChatRequest, responder: ResponderDep) -> ChatResponse:
    """Answer a question from the documents, citing each sentence's passage as [n]."""
    return await responder.respond(body)
