"""Rewrite a follow-up ("When was it signed?") as a standalone question, with one short LLM call.

Retrieval then searches for what the user means rather than for a pronoun. A reply that is unusable
(empty, a paragraph instead of a question) returns None and the extractive reading of the follow-up
applies; a failed call raises `LLMFailure`, since the answer would fail the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.chat.conversations import Turn
from service.chat.llm.client import LLMClient
from service.chat.llm.prompts import Prompts

_MAX_CHARS = 2000
_PREFIXES = ("standalone question:", "question:", "rewritten question:")


class Condenser:
    def __init__(self, client: LLMClient, prompts: Prompts) -> None:
        self._client = client
        self._prompts = prompts

    async def condense(self, question: str, history: Sequence[Turn]) -> str | None:
        reply = await self._client.complete(self._prompts.condense_messages(question, history))
        return read_question(reply)


def read_question(reply: str) -> str | None:
    lines = [line.strip() for line in reply.strip().splitlines() if line.strip()]
    if len(lines) != 1:
        return None
    line = lines[0]
    for prefix in _PREFIXES:
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    line = line.strip("\"'“”").strip()
    return line if 0 < len(line) <= _MAX_CHARS else None
