"""POST /chat: a question in, a cited answer out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.openapi.models import Example

from service.deps import ResponderDep, SiteKeyDep
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


# The bodies /docs offers to send (the first is filled in): each is a valid request, tested as sent.
CHAT_EXAMPLES: dict[str, Example] = {
    "question": {
        "summary": "A question",
        "value": {"question": "When does the Northwater Basin Treaty enter into force?"},
    },
    "filters": {
        "summary": "Only some documents, three sources",
        "value": {
            "question": "How much will Canada provide for coastal resilience?",
            "filters": {"kind": ["fact-sheet"], "date_from": "2024-01-01", "date_to": "2024-12-31"},
            "top_k": 3,
        },
    },
    "documents": {
        "summary": "Only named documents",
        "value": {
            "question": "What changed in the revised joint statement?",
            "filters": {"document_id": ["aldermere-korvath-joint-statement-v2-revised"]},
        },
    },
}
ChatBody = Annotated[ChatRequest, Body(openapi_examples=CHAT_EXAMPLES)]


# Not JSON (415), a body nested too deep (400), the access rules and the cap: the middleware's, for every
# chat route (`service.http.install_middleware`).
@router.post("/chat", response_model=ChatResponse, responses=ERRORS)
async def chat(body: ChatBody, responder: ResponderDep, site_key: SiteKeyDep) -> ChatResponse:
    """Answer a question from the documents, citing each sentence's passage as [n]."""
    return await responder.respond(body, site_key=site_key)
