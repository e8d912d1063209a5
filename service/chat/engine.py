"""The synchronous half of answering: a question read in its conversation, its passages retrieved, the
extractive answer drafted, and the finished response recorded. `service.chat.responder` drives it for every
door (`/chat`, `/chat/stream`, `/v1`, `accords ask`, `accords eval`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from service.answer.extractive import Answer, ExtractiveAnswerer
from service.chat.conversations import ConversationStore, Turn
from service.chat.events import sources_of
from service.chat.followup import read_follow_up
from service.http import metrics
from service.retrieval.hybrid import Filters, HybridRetriever, Retrieval
from service.retrieval.view import StoreView
from service.schemas import AnswerSentence, ChatFilters, ChatRequest, ChatResponse


@dataclass(frozen=True, slots=True)
class Prepared:
    """A question read in its conversation, with its passages retrieved, before any answer is written."""

    conversation_id: str
    retrieval: Retrieval
    top_k: int


class ChatEngine:
    def __init__(
        self,
        retriever: HybridRetriever,
        answerer: ExtractiveAnswerer,
        view: StoreView,
        conversations: ConversationStore,
        default_top_k: int,
    ) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.view = view
        self.conversations = conversations
        self.default_top_k = default_top_k

    def answer(self, prepared: Prepared) -> Answer:
        """The extractive answer to a prepared question (the LLM writer drafts its own)."""
        return self.answerer.answer(prepared.retrieval, prepared.top_k, self.view.lexical.idf)

    def prepare(
        self,
        request: ChatRequest,
        conversation: tuple[str, list[Turn]] | None = None,
        standalone: str | None = None,
    ) -> Prepared:
        """`conversation` overrides the stored one (the OpenAI-compatible API sends its own history);
        `standalone` is the follow-up as the LLM rewrote it, retrieved without the extractive context.
        Without `conversation`, the question is read on its own (the responder recalls the stored one)."""
        conversation_id, history = conversation or (request.conversation_id or uuid.uuid4().hex, [])
        follow_up = read_follow_up(request.question, history)
        top_k = request.top_k or self.default_top_k
        with metrics.RETRIEVAL_SECONDS.time():
            retrieval = self.retriever.retrieve(
                standalone or request.question,
                filters=to_filters(request.filters),
                limit=top_k,
                context=None if standalone else follow_up.context,
                prior_documents=follow_up.prior_documents,
            )
        return Prepared(conversation_id, retrieval, top_k)

    @staticmethod
    def turn(request: ChatRequest, answer: Answer) -> Turn:
        """The turn a conversation remembers of this answer: the question, the answer, what it cited."""
        cited = {source_id for sentence in answer.sentences for source_id in sentence.sources}
        documents = tuple(
            dict.fromkeys(
                answer.sources[n - 1].chunk.doc_id for n in sorted(cited) if n <= len(answer.sources)
            )
        )
        return Turn(request.question, answer.text, documents, answer.found)

    def finish(self, request: ChatRequest, prepared: Prepared, answer: Answer, mode: str) -> ChatResponse:
        """The response to send (the responder records the turn: `turn`)."""
        return ChatResponse(
            answer=answer.text,
            found=answer.found,
            conversation_id=prepared.conversation_id,
            mode="llm" if mode == "llm" else "extractive",
            sources=sources_of(answer.sources),
            sentences=[
                AnswerSentence(
                    start=s.start,
                    end=s.end,
                    sources=list(s.sources),
                    passage_start=s.passage_start,
                    passage_end=s.passage_end,
                )
                for s in answer.sentences
            ],
        )


def to_filters(filters: ChatFilters | None) -> Filters:
    if filters is None:
        return Filters()
    return Filters(
        kinds=tuple(filters.kind) if filters.kind else None,
        date_from=filters.date_from.isoformat() if filters.date_from else None,
        date_to=filters.date_to.isoformat() if filters.date_to else None,
        document_ids=tuple(filters.document_id) if filters.document_id else None,
    )
