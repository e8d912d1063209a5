"""The one vocabulary of an answer in progress, from the writer that drafts it to the client that reads it.

A writer (extractive or LLM) yields `Sources` (the numbered passages), then `Delta`s (text as written),
then one `Written` (the finished answer, for the responder). The responder passes `Sources` and `Delta`
through, adds an `Error` if a model fails midway, and ends the stream with `Done` (the full response).
`/chat` keeps only `Done`; `/chat/stream` sends each event as SSE; `/v1` maps them to OpenAI chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.answer.extractive import Answer
from service.retrieval.hybrid import Candidate
from service.schemas import ChatResponse, Source

Mode = Literal["extractive", "llm"]


@dataclass(frozen=True, slots=True)
class Sources:
    sources: list[Source]  # source id n is sources[n - 1]


@dataclass(frozen=True, slots=True)
class Delta:
    text: str


@dataclass(frozen=True, slots=True)
class Error:
    message: str


@dataclass(frozen=True, slots=True)
class Written:
    answer: Answer
    mode: Mode
    unsupported: tuple[int, ...] = ()  # indexes into answer.sentences


@dataclass(frozen=True, slots=True)
class Done:
    response: ChatResponse


Step = Sources | Delta | Written  # what a writer yields
Event = Sources | Delta | Error | Done  # what the responder yields


def sources_of(candidates: list[Candidate]) -> list[Source]:
    """The numbered sources as the HTTP contract shows them."""
    return [
        Source(
            id=index,
            document_id=candidate.chunk.doc_id,
            title=candidate.chunk.title,
            url=candidate.chunk.url,
            date=candidate.chunk.date,
            kind=candidate.chunk.kind,
            heading=candidate.chunk.heading,
            page=candidate.chunk.page,
            text=candidate.chunk.text,
            start=candidate.chunk.start,
            end=candidate.chunk.end,
            score=round(candidate.score, 4),
        )
        for index, candidate in enumerate(candidates, start=1)
    ]
