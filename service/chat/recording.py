"""What the owner store keeps of an answer: built from the finished response, so every door (`/chat`,
`/chat/stream`, `/v1/chat/completions`) records the same thing, and feedback on an answer can be stored
with the question, the answer and its sources by whichever replica receives it."""

from __future__ import annotations

from service.owner import AnswerRecord, DocumentRef
from service.schemas import ChatRequest, ChatResponse


def record_of(
    request: ChatRequest, response: ChatResponse, site_key: str | None, seconds: float
) -> AnswerRecord:
    by_number = {source.id: source.document_id for source in response.sources}
    cited = (by_number.get(n) for sentence in response.sentences for n in sentence.sources)
    documents = {source.document_id: source.title for source in response.sources}
    return AnswerRecord(
        answer_id=response.answer_id,
        question=request.question,
        answer=response.answer,
        sources=tuple(DocumentRef(document_id=doc, title=title) for doc, title in documents.items()),
        cited=tuple(dict.fromkeys(doc for doc in cited if doc is not None)),
        mode=response.mode,
        found=response.found,
        site_key=site_key,
        conversation_id=response.conversation_id,
        latency_ms=round(seconds * 1000),
    )
