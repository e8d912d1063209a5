"""The `AnswerWriter` interface: how an answer is written, piece by piece, from a prepared question.

Two implementations share it: `ExtractiveWriter` (below; it quotes, needs no model, and streams a finished
answer word by word) and `service.chat.llm.writer.LLMWriter` (it streams what the model writes, then
checks the citations). Each yields the events of `service.chat.events`: `Sources`, `Delta`s, `Written`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from service.answer.extractive import Answer
from service.chat.engine import ChatEngine, Prepared
from service.chat.events import Delta, Sources, Step, Written, sources_of

_PIECE = re.compile(r"\S+\s*")  # an extractive answer streams word by word


class AnswerWriter(Protocol):
    def write(self, prepared: Prepared) -> AsyncGenerator[Step, None]:
        """`Sources`, then any number of `Delta`s, then one `Written`."""
        ...


class ExtractiveWriter:
    def __init__(self, engine: ChatEngine) -> None:
        self._engine = engine

    def answer(self, prepared: Prepared) -> Answer:
        return self._engine.answer(prepared)

    async def write(self, prepared: Prepared) -> AsyncGenerator[Step, None]:
        answer = await run_in_threadpool(self.answer, prepared)
        yield Sources(sources_of(answer.sources))
        for piece in _PIECE.findall(answer.text):
            yield Delta(piece)
        yield Written(answer, "extractive")
