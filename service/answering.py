"""The `Answerer` interface: how an answer is written, piece by piece, from a prepared question.

Two implementations share it: `ExtractiveWriter` (below; it quotes, needs no model, and streams a finished
answer word by word) and `service.llm.answerer.LLMAnswerer` (it streams what the model writes, then
checks the citations). Each yields the numbered sources first (`Listed`), then text (`Piece`), then the
finished answer (`Written`), so `/chat`, `/chat/stream` and the OpenAI-compatible API drive both alike.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Literal, Protocol

from starlette.concurrency import run_in_threadpool

from service.answer.extractive import Answer
from service.chat import ChatEngine, Prepared
from service.retrieval.hybrid import Candidate

Mode = Literal["extractive", "llm"]
_PIECE = re.compile(r"\S+\s*")  # an extractive answer streams word by word


@dataclass(frozen=True, slots=True)
class Listed:
    sources: list[Candidate]  # source id n is sources[n - 1]


@dataclass(frozen=True, slots=True)
class Piece:
    text: str


@dataclass(frozen=True, slots=True)
class Written:
    answer: Answer
    mode: Mode
    unsupported: tuple[int, ...] = ()  # indexes into answer.sentences


Step = Listed | Piece | Written


class Answerer(Protocol):
    def write(self, prepared: Prepared) -> AsyncGenerator[Step, None]:
        """`Listed`, then any number of `Piece`s, then one `Written`."""
        ...


class ExtractiveWriter:
    def __init__(self, engine: ChatEngine) -> None:
        self._engine = engine

    def answer(self, prepared: Prepared) -> Answer:
        engine = self._engine
        return engine.answerer.answer(prepared.retrieval, prepared.top_k, engine.view.lexical.idf)

    async def write(self, prepared: Prepared) -> AsyncGenerator[Step, None]:
        answer = await run_in_threadpool(self.answer, prepared)
        yield Listed(answer.sources)
        for piece in _PIECE.findall(answer.text):
            yield Piece(piece)
        yield Written(answer, "extractive")
