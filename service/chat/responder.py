"""One question in, a stream of answer events out: the async path `/chat`, `/chat/stream` and
`/v1/chat/completions` share, with the language model when one is configured and the extractive
answer whenever it fails.

Degradation never costs the user an answer. When a conversation's earlier turns cannot be read (the
shared state is down), the question is answered as a stand-alone one, marked `degraded` with the reason.
A timeout, a refused or dropped connection, an HTTP error or
an empty reply from the model gives the extractive answer with `degraded: true` and the reason. If the
model fails before it wrote anything, the extractive answer streams in its place; if it fails midway, an
`Error` event says so and the `Done` event carries the extractive answer. Cancellation (the client left)
passes through untouched: each nested stream is closed on the way out, which closes the upstream request.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing

from starlette.concurrency import run_in_threadpool

from ingest.embedders import Embedder
from service.answer.citations import CitationChecker
from service.chat.conversations import Turn
from service.chat.engine import ChatEngine
from service.chat.events import Delta, Done, Error, Event, Sources, Step, Written
from service.chat.llm.client import LLMClient, LLMFailure
from service.chat.llm.condense import Condenser
from service.chat.llm.prompts import Prompts
from service.chat.llm.writer import LLMWriter
from service.chat.recording import record_of
from service.chat.writer import AnswerWriter, ExtractiveWriter
from service.http import metrics
from service.owner import OwnerStore
from service.schemas import ChatRequest, ChatResponse
from service.settings import Settings

log = logging.getLogger(__name__)


class _Progress:
    """What the client has been sent, so a fallback answer does not repeat or contradict it."""

    def __init__(self) -> None:
        self.listed = False
        self.streamed = False
        self.written: Written | None = None

    def see(self, step: Step, fallback: bool = False) -> Event | None:
        if isinstance(step, Sources):
            if self.listed:
                return None  # the `Done` event has the final list
            self.listed = True
            return step
        if isinstance(step, Delta):
            if fallback and self.streamed:
                return None
            if not fallback:
                self.streamed = True
            return step
        self.written = step
        return None


class Responder:
    def __init__(
        self,
        engine: ChatEngine,
        llm: AnswerWriter | None = None,
        condenser: Condenser | None = None,
        owner: OwnerStore | None = None,
    ) -> None:
        """`owner`: where each answer is recorded for feedback (and the question log); None = nowhere
        (`accords ask`, `accords eval`)."""
        self.engine = engine
        self.llm = llm
        self.condenser = condenser
        self.owner = owner
        self.extractive = ExtractiveWriter(engine)

    async def respond(
        self,
        request: ChatRequest,
        history: list[Turn] | None = None,
        *,
        site_key: str | None = None,
        answer_id: str | None = None,
    ) -> ChatResponse:
        """The finished answer, as `/chat` returns it."""
        events_of = self.events(request, history, site_key=site_key, answer_id=answer_id)
        async with aclosing(events_of) as events:
            async for event in events:
                if isinstance(event, Done):
                    return event.response
        raise RuntimeError("the answer stream ended without an answer")

    async def events(
        self,
        request: ChatRequest,
        history: list[Turn] | None = None,
        *,
        site_key: str | None = None,
        answer_id: str | None = None,
    ) -> AsyncGenerator[Event, None]:
        """`history` replaces the stored conversation (and nothing is stored) for clients that send it.
        `site_key` (the caller's, as the access rule accepted it) is recorded with the answer; `answer_id`
        is the id to give it when the caller needs it before the answer (else a new one)."""
        started = time.perf_counter()
        memory_lost: str | None = None  # the stored turns could not be read: a stand-alone question
        if history is not None:
            conversation = (uuid.uuid4().hex, history)
        else:
            recalled = await self.engine.conversations.recall(request.conversation_id)
            conversation, memory_lost = (recalled.conversation_id, recalled.turns), recalled.degraded_reason
        reason: str | None = None
        failure_kind: str | None = None  # for the metrics
        standalone: str | None = None
        if self.llm is not None and self.condenser is not None and conversation[1]:
            try:
                standalone = await self.condenser.condense(request.question, conversation[1])
            except LLMFailure as failure:
                reason = failure.reason  # the answer would fail alike: skip the model for this question
                failure_kind = failure.kind
        prepared = await run_in_threadpool(self.engine.prepare, request, conversation, standalone)
        use_llm = self.llm is not None and reason is None and bool(prepared.retrieval.candidates)
        writer: AnswerWriter = self.llm if use_llm and self.llm is not None else self.extractive
        progress = _Progress()
        try:
            async with aclosing(writer.write(prepared)) as steps:
                async for step in steps:
                    if (event := progress.see(step)) is not None:
                        yield event
        except LLMFailure as failure:
            reason, failure_kind = failure.reason, failure.kind
            if progress.streamed:
                yield Error(f"The answer was interrupted ({reason}); here is the extractive answer instead.")
            async with aclosing(self.extractive.write(prepared)) as steps:
                async for step in steps:
                    if (event := progress.see(step, fallback=True)) is not None:
                        yield event
        written = progress.written
        assert written is not None, "every answerer ends with a Written step"
        response = self.engine.finish(request, prepared, written.answer, written.mode)
        if history is None:
            await self.engine.conversations.remember(
                prepared.conversation_id, self.engine.turn(request, written.answer)
            )
        metrics.observe_answer(written.mode, response.found, time.perf_counter() - started, failure_kind)
        reasons = [text for text in (reason, memory_lost) if text is not None]
        response = response.model_copy(
            update={
                "degraded": bool(reasons),
                "degraded_reason": "; ".join(reasons) or None,
                "unsupported": list(written.unsupported),
                **({"answer_id": answer_id} if answer_id else {}),
            }
        )
        if self.owner is not None:  # before `Done`: feedback on the answer may follow at once
            record = record_of(request, response, site_key, time.perf_counter() - started)
            await run_in_threadpool(self.owner.record, record)
        yield Done(response)


def open_responder(
    engine: ChatEngine,
    embedder: Embedder,
    settings: Settings,
    client: LLMClient | None,
    owner: OwnerStore | None = None,
) -> Responder:
    """Extractive only without a client; with one, the prompts are read now (a bad file stops start-up)."""
    if client is None:
        return Responder(engine, owner=owner)
    prompts = Prompts.load(settings.prompts_dir)
    return Responder(
        engine,
        LLMWriter(client, prompts, CitationChecker(embedder)),
        Condenser(client, prompts),
        owner=owner,
    )
