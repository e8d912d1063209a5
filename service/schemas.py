"""The HTTP contract. Field names are shared with the widget, the eval and integrations: keep them."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class ChatFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: list[str] | None = Field(default=None, max_length=20, description="Document kinds to search.")
    date_from: date | None = Field(default=None, description="Earliest document date (YYYY-MM-DD).")
    date_to: date | None = Field(default=None, description="Latest document date (YYYY-MM-DD).")
    document_id: list[str] | None = Field(default=None, max_length=100, description="Documents to search.")

    @model_validator(mode="after")
    def _range_is_ordered(self) -> ChatFilters:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("filters.date_from must not be after filters.date_to")
        return self

    @field_validator("kind", "document_id")
    @classmethod
    def _no_blank_entries(cls, values: list[str] | None) -> list[str] | None:
        if values is not None and any(not value.strip() or len(value) > 300 for value in values):
            raise ValueError("entries must be non-blank strings of at most 300 characters")
        return values


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000, description="The question, 1-2000 characters.")
    conversation_id: str | None = Field(
        default=None, min_length=1, max_length=100, description="Continue a conversation (follow-ups)."
    )
    filters: ChatFilters | None = None
    top_k: int | None = Field(
        default=None, ge=1, le=20, strict=True, description="Number of sources (default 5)."
    )

    @field_validator("question")
    @classmethod
    def _not_blank(cls, question: str) -> str:
        if not question.strip():
            raise ValueError("question must not be blank")
        return question


class Source(BaseModel):
    id: int = Field(description="The number used in [n] markers.")
    document_id: str
    title: str
    url: str | None
    date: str | None
    kind: str | None
    heading: str | None
    page: int | None
    text: str = Field(description="The passage, exactly as in the document.")
    start: int = Field(description="Offset of the passage in the document text.")
    end: int
    score: float


class AnswerSentence(BaseModel):
    start: int = Field(description="Offset of the sentence (with its markers) in `answer`.")
    end: int
    sources: list[int] = Field(description="Source ids cited by this sentence.")
    passage_start: int | None = Field(
        default=None, description="Where the quote starts in the first cited source's `text`."
    )
    passage_end: int | None = Field(default=None, description="Where the quote ends in that `text`.")


def new_id(size: int = 16) -> str:
    """An unguessable URL-safe id that starts with a letter or digit: a spreadsheet reads a cell starting
    with "-" as a formula, so the feedback CSV had to alter such an id (one in 64) with a leading "'"."""
    while True:
        value = secrets.token_urlsafe(size)
        if value[0].isalnum():
            return value


def new_answer_id() -> str:
    """An answer's id: unguessable, so only who received the answer can rate it."""
    return new_id(16)


class ChatResponse(BaseModel):
    answer_id: str = Field(
        default_factory=new_answer_id,
        description="This answer's id, for `POST /feedback` (unguessable; kept for a day by default).",
    )
    answer: str
    found: bool
    conversation_id: str
    mode: Literal["extractive", "llm"]
    degraded: bool = Field(
        default=False,
        description="The language model failed (timeout, error, empty reply): extractive answer.",
    )
    degraded_reason: str | None = Field(default=None, description="Why the answer is degraded.")
    unsupported: list[int] = Field(
        default_factory=list,
        description="Indexes into `sentences` of the sentences the citation check found unsupported: their "
        "cited passage does not say it, or they state a fact without citing any (LLM answers only).",
    )
    sentences: list[AnswerSentence] = Field(
        default_factory=list,
        description="The answer's sentences with the sources each cites. For LLM answers they are the split "
        "`re.split(r'(?<=[.!?])\\s+', answer)`, the same the widget uses, so clients can mark them.",
    )
    sources: list[Source]


class DocumentSummary(BaseModel):
    id: str
    title: str
    date: str | None
    kind: str | None
    url: str | None
    parties: list[str]
    chunks: int
    content_hash: str


class DocumentDetail(DocumentSummary):
    format: str
    ingested_at: str
    length: int = Field(description="Characters in the document text (the range of start/end offsets).")
    metadata: dict[str, object]


class DocumentPage(BaseModel):
    total: int
    offset: int
    limit: int
    documents: list[DocumentSummary]


class Passage(BaseModel):
    document_id: str
    title: str
    url: str | None
    start: int
    end: int
    text: str


class ErrorBody(BaseModel):
    detail: str
    code: str


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(min_length=1, max_length=100, description="The `answer_id` of the answer rated.")
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=2000, description="What was wrong (or right).")

    @field_validator("comment")
    @classmethod
    def _blank_is_none(cls, comment: str | None) -> str | None:
        return comment.strip() or None if comment is not None else None


class FeedbackCreated(BaseModel):
    id: str
