"""What the owner store takes in and gives back: plain records, shaped as the admin API shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

Rating = Literal["up", "down"]


def now() -> datetime:
    return datetime.now(UTC)


class DocumentRef(BaseModel):
    document_id: str
    title: str


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer as the responder gave it: what feedback on it is stored with, and the question log's row."""

    answer_id: str
    question: str
    answer: str
    sources: tuple[DocumentRef, ...]  # the documents of its sources, in order, each once
    cited: tuple[str, ...]  # ids of the documents its sentences cite
    mode: str
    found: bool
    site_key: str | None
    conversation_id: str
    latency_ms: int
    created_at: datetime = field(default_factory=now)


class FeedbackItem(BaseModel):
    id: str
    answer_id: str
    rating: Rating
    comment: str | None
    question: str
    answer: str
    mode: str
    found: bool
    sources: list[DocumentRef]
    site_key: str | None
    created_at: datetime


class FeedbackPage(BaseModel):
    items: list[FeedbackItem]
    total: int


class QuestionItem(BaseModel):
    question: str
    found: bool
    documents: list[str]
    latency_ms: int
    site_key: str | None
    conversation_id: str
    created_at: datetime


class QuestionPage(BaseModel):
    items: list[QuestionItem]
    total: int


@dataclass(frozen=True, slots=True)
class FeedbackFilters:
    rating: Rating | None = None
    since: datetime | None = None
    until: datetime | None = None
    site_key: str | None = None
    text: str | None = None  # in the question, the answer or the comment, any case


@dataclass(frozen=True, slots=True)
class QuestionFilters:
    text: str | None = None
    conversation_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class GapQuestion:
    """A question the documents did not answer, or whose answer got a thumbs down."""

    answer_id: str
    question: str
    created_at: datetime
    not_found: bool
    thumbs_down: bool
