"""A scripted stand-in for the accords service, just enough for the widget's browser tests.

It serves ``/widget.js`` as the service joins it (``widget_script``) and answers ``/chat/stream`` with
canned Server-Sent Events chosen by keywords in the question (see ``_script_for``). CORS is
checked per site key the way the real service does (service/access.py): a preflight is accepted only from an
origin that some key allows, the POST only from an origin allowed for *its* key.

The SSE bytes are deliberately sent in small, odd-sized chunks (splitting UTF-8 sequences and
lines), with comment lines, multi-line ``data:`` fields and CRLF line ends, so that the widget's
hand-written parser is exercised.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from service.routes.widget import widget_script

HOSTILE_MARKUP = (
    '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script> '
    "[link](javascript:window.__pwned=1) ![x](http://evil.example/x.png)"
)

CEASEFIRE = {
    "id": 1,
    "document_id": "ceasefire-2024/agreement",
    "title": "Ceasefire Agreement",
    "url": "https://example.org/ceasefire.pdf",
    "date": "2024-04-20",
    "kind": "treaty",
    "heading": "Article 2 — Cessation of hostilities",
    "page": 3,
    "text": (
        "Article 2. The parties agree to a complete ceasefire beginning on 1 May 2024 at 00:00\n"
        "local time. All forces shall remain in their positions as of that date."
    ),
    "start": 1200,
    "end": 1364,
    "score": 0.91,
}
MONITORING = {
    "id": 2,
    "document_id": "joint-statement-2024",
    "title": "Joint Statement on Monitoring",
    "url": "https://example.org/joint-statement",
    "date": "2024-04-22",
    "kind": "joint statement",
    "heading": None,
    "page": None,
    "text": (
        "A joint monitoring commission will verify compliance with the ceasefire. "
        "The commission reports to both parties every month."
    ),
    "start": 0,
    "end": 125,
    "score": 0.84,
}
HOSTILE = {
    "id": 1,
    "document_id": "hostile/<doc>",
    "title": '<b onmouseover="window.__pwned=1">Hostile</b> treaty',
    "url": "javascript:window.__pwned=1",
    "date": "2024-01-01",
    "kind": "<svg onload=window.__pwned=1>",
    "heading": '<iframe src="http://evil.example/"></iframe>',
    "page": 9,
    "text": (
        f"Clause 9. {HOSTILE_MARKUP} The parties <script>window.__pwned=1</script> shall exchange "
        "prisoners within thirty days."
    ),
    "start": 10,
    "end": 240,
    "score": 0.5,
}

# A passage with Markdown heading marks, as the service keeps them in `text` (its offsets count them);
# the widget must never show them.
ANNEX_TEXT = (
    "## Annex A — Lines of contact\n"
    "### Map\n"
    "The lines of contact are shown on the attached map. Both sides withdraw 5 km from them."
)
ANNEX = {
    "id": 2,
    "document_id": "ceasefire-2024/annex-a",
    "title": "Ceasefire Agreement, Annex A",
    "url": "https://example.org/ceasefire-annex.pdf",
    "date": "2024-04-21",
    "kind": "treaty",
    "heading": "Annex A — Lines of contact",
    "page": 12,
    "text": ANNEX_TEXT,
    "start": 5000,
    "end": 5000 + len(ANNEX_TEXT),
    "score": 0.42,
}
# Where the quote of the "exact" answer sits in ANNEX's text: the service's passage_start/passage_end.
ANNEX_QUOTE = "Both sides withdraw 5 km from them."
NOT_FOUND = (
    "The documents do not contain an answer to this question. The closest documents are "
    "“Joint Statement on Monitoring” (2024-04-22) and “Ceasefire Agreement, Annex A” (2024-04-21)."
)

RETRY_AFTER_SECONDS = 17


@dataclass
class Script:
    """One canned answer: sources, answer pieces, optional mid-stream error, final payload."""

    sources: list[dict[str, Any]]
    pieces: list[str]
    done: dict[str, Any] | None
    error: str | None = None
    delay: float = 0.06  # seconds between deltas, so the test can see streaming happen
    first_delay: float = 0.35  # before the first delta: the widget shows its progress indicator
    crlf: bool = False


@dataclass
class StubState:
    """What the stub knows: which site key may be used from which origin, and the conversations."""

    allowed: dict[str, set[str]]
    conversations: dict[str, int] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def all_allowed_origins(self) -> set[str]:
        return set().union(*self.allowed.values()) if self.allowed else set()

    def new_conversation(self) -> str:
        conversation_id = f"conv-{next(self._ids)}"
        self.conversations[conversation_id] = 0
        return conversation_id


def _done(answer: str, sources: list[dict[str, Any]], conversation_id: str, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "answer": answer,
        "found": True,
        "conversation_id": conversation_id,
        "mode": "extractive",
        "degraded": False,
        "degraded_reason": None,
        "unsupported": [],
        "sources": sources,
    }
    payload.update(extra)
    return payload


def _pieces(text: str, size: int = 14) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _script_for(question: str, conversation_id: str, follow_up: bool) -> Script:
    q = question.lower()
    if "hostile" in q:
        sources = [HOSTILE]
        answer = (
            f"The passage says {HOSTILE_MARKUP}.[1] The parties shall exchange prisoners.[1] "
            '<a href="javascript:window.__pwned=1">click</a>'
        )
        return Script(sources, _pieces(answer), _done(answer, sources, conversation_id))
    if "moon" in q:  # nothing in the documents: no citation, but the closest passages as sources
        sources = [{**MONITORING, "id": 1}, ANNEX]
        done = _done(NOT_FOUND, sources, conversation_id, found=False, sentences=[])
        return Script(sources, _pieces(NOT_FOUND), done)
    if "exact" in q:  # the quote's offsets in the passage: highlighted as given, not matched by text
        sources = [ANNEX, {**CEASEFIRE, "id": 1}]
        # Worded so that matching by text would find nothing: only the offsets can place it.
        answer = "Each army pulls back a little. [2] The ceasefire starts in May. [1]"
        first = answer.index("[2]") + 3
        quote = {"passage_start": ANNEX_TEXT.index(ANNEX_QUOTE)}
        quote["passage_end"] = quote["passage_start"] + len(ANNEX_QUOTE)
        sentences = [
            {"start": 0, "end": first, "sources": [2], **quote},
            {"start": first + 1, "end": len(answer), "sources": [1]},
        ]
        return Script(sources, _pieces(answer), _done(answer, sources, conversation_id, sentences=sentences))
    if "degraded" in q:
        sources = [CEASEFIRE]
        # Markers before the full stop, so the server's splitter sees two sentences.
        answer = "The ceasefire begins on 1 May 2024 [1]. Observers are paid by the United Nations [1]."
        done = _done(
            answer,
            sources,
            conversation_id,
            degraded=True,
            degraded_reason="the language model did not answer in time",
            unsupported=[1],
        )
        return Script(sources, _pieces(answer), done)
    if "broken" in q:
        sources = [CEASEFIRE]
        answer = "Fallback: the ceasefire begins on 1 May 2024.[1]"
        done = _done(answer, sources, conversation_id, degraded=True, degraded_reason="llm error")
        return Script(sources, ["Partial ans"], done, error="The language model failed; here is a fallback.")
    if "slow" in q:
        answer = "This answer is very slow. " * 40
        return Script([CEASEFIRE], _pieces(answer, 8), _done(answer, [CEASEFIRE], conversation_id), delay=0.4)
    if "silent" in q:  # headers, then nothing at all
        return Script([], [], None, first_delay=3600)
    sources = [CEASEFIRE, MONITORING]
    if follow_up:
        answer = (
            f"As a follow-up in {conversation_id}: the commission reports to both parties every month.[2]"
        )
        return Script(sources, _pieces(answer), _done(answer, sources, conversation_id), crlf=True)
    answer = (
        "The parties agree to a complete ceasefire beginning on 1 May 2024.[1] "
        "A joint monitoring commission will verify compliance.[2] "
        "Réunions are held monthly — see the statement.[2][9]"
    )
    return Script(sources, _pieces(answer), _done(answer, sources, conversation_id))


def _event(name: str, payload: Any, *, split_data: bool = False) -> str:
    data = json.dumps(payload, ensure_ascii=False)
    prefix = '{"text": '
    if split_data and data.startswith(prefix):
        # The same JSON over two `data:` lines: the widget must join them with "\n".
        rest = data[len(prefix) :]
        return f"event: {name}\ndata: {prefix.rstrip()}\ndata: {rest}\n\n"
    return f"event: {name}\ndata: {data}\n\n"


async def _stream(script: Script) -> AsyncIterator[bytes]:
    def encode(text: str) -> Iterable[bytes]:
        if script.crlf:
            text = text.replace("\n", "\r\n")
        raw = text.encode()
        # Odd-sized chunks split lines, CRLF pairs and multi-byte characters across reads.
        return (raw[i : i + 7] for i in range(0, len(raw), 7))

    yield b": stub stream opened\n\n"
    for chunk in encode(_event("sources", script.sources)):
        yield chunk
    await asyncio.sleep(script.first_delay)
    for index, piece in enumerate(script.pieces):
        for chunk in encode(_event("delta", {"text": piece}, split_data=index == 1)):
            yield chunk
        await asyncio.sleep(script.delay)
    if script.error:
        yield _event("error", {"message": script.error}).encode()
    if script.done is not None:
        yield b": keep-alive\n"
        for chunk in encode(_event("done", script.done)):
            yield chunk


def create_app(allowed: Mapping[str, Iterable[str]]) -> Starlette:
    """The stub service; ``allowed`` maps site key -> origins that may use it."""
    state = StubState({key: set(origins) for key, origins in allowed.items()})

    def cors(origin: str | None) -> dict[str, str]:
        if origin and origin in state.all_allowed_origins():
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Expose-Headers": "Retry-After",
                "Vary": "Origin",
            }
        return {"Vary": "Origin"}

    async def widget_js(request: Request) -> Response:
        return Response(
            widget_script(),
            media_type="application/javascript",
            headers={"Cache-Control": "no-store"},
        )

    async def chat_preflight(request: Request) -> Response:
        # A preflight carries no header *values*, so the site key is unknown here: accept any origin
        # that some key allows and let the POST itself check the key.
        origin = request.headers.get("origin")
        if origin not in state.all_allowed_origins():
            return PlainTextResponse("origin not allowed", status_code=403)
        return Response(
            status_code=204,
            headers={
                **cors(origin),
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": "content-type, x-accords-site-key",
                "Access-Control-Max-Age": "600",
            },
        )

    async def chat_stream(request: Request) -> Response:
        origin = request.headers.get("origin")
        key = request.headers.get("x-accords-site-key", "")
        headers = cors(origin)
        try:
            body = await request.json()
        except ValueError:
            body = None
        state.requests.append({"origin": origin, "site_key": key, "body": body})
        if key not in state.allowed:
            return JSONResponse({"detail": "Unknown site key."}, status_code=403, headers=headers)
        if origin not in state.allowed[key]:
            detail = f"The site key {key} is not allowed on {origin}."
            return JSONResponse({"detail": detail}, status_code=403, headers=headers)
        if not isinstance(body, dict) or not isinstance(body.get("question"), str):
            detail_list = [{"loc": ["body", "question"], "msg": "Field required", "type": "missing"}]
            return JSONResponse({"detail": detail_list}, status_code=422, headers=headers)
        question = body["question"]
        if "rate limit" in question.lower():
            return JSONResponse(
                {"detail": "Too many requests."},
                status_code=429,
                headers={**headers, "Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        if "unavailable" in question.lower():
            return JSONResponse({"detail": "Index is rebuilding."}, status_code=503, headers=headers)
        conversation_id = body.get("conversation_id")
        follow_up = isinstance(conversation_id, str) and conversation_id in state.conversations
        if not follow_up:
            conversation_id = state.new_conversation()
        assert isinstance(conversation_id, str)
        state.conversations[conversation_id] += 1
        script = _script_for(question, conversation_id, follow_up)
        return StreamingResponse(
            _stream(script),
            media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def widget_status(request: Request) -> Response:
        origin = request.headers.get("origin")
        key = request.query_params.get("site_key", "")
        allowed_here = origin is not None and origin in state.allowed.get(key, set())
        message = "ok" if allowed_here else "This site is not allowed to use this chat."
        return JSONResponse(
            {"ok": True, "origin_allowed": allowed_here, "message": message},
            headers={"Access-Control-Allow-Origin": "*"},
        )

    async def document_text(request: Request) -> Response:
        start, end = request.query_params.get("start"), request.query_params.get("end")
        return PlainTextResponse(f"{request.path_params['document_id']} {start}-{end}")

    app = Starlette(
        routes=[
            Route("/widget.js", widget_js),
            Route("/chat/stream", chat_preflight, methods=["OPTIONS"]),
            Route("/chat/stream", chat_stream, methods=["POST"]),
            Route("/widget/status", widget_status),
            Route("/documents/{document_id:path}/text", document_text),
        ]
    )
    app.state.stub = state
    return app
