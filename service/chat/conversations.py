"""Recent turns of each conversation, so a follow-up ("When was that signed?") can be understood.

Bounded three ways, so a busy or abusive client cannot grow memory without end: a few turns per
conversation, an expiry after inactivity, and a cap on conversations overall (least recently used go
first). cachetools' TLRU-free TTLCache gives the last two; the per-conversation deque the first.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass

from cachetools import TTLCache

_MAX_TEXT = 600  # characters kept of a question or answer


@dataclass(frozen=True, slots=True)
class Turn:
    question: str
    answer: str
    document_ids: tuple[str, ...]  # documents the answer cited
    found: bool


class Conversations:
    def __init__(self, max_turns: int, ttl_seconds: float, max_conversations: int) -> None:
        self._turns = max_turns
        self._cache: TTLCache[str, deque[Turn]] = TTLCache(maxsize=max_conversations, ttl=ttl_seconds)
        self._lock = threading.Lock()

    def history(self, conversation_id: str | None) -> tuple[str, list[Turn]]:
        """The id to use (a new one for an unknown or missing id) and the turns so far, oldest first."""
        with self._lock:
            if conversation_id is not None:
                turns = self._cache.get(conversation_id)
                if turns is not None:
                    self._cache[conversation_id] = turns  # refresh expiry and recency
                    return conversation_id, list(turns)
            return conversation_id or uuid.uuid4().hex, []

    def record(self, conversation_id: str, turn: Turn) -> None:
        trimmed = Turn(turn.question[:_MAX_TEXT], turn.answer[:_MAX_TEXT], turn.document_ids[:5], turn.found)
        with self._lock:
            turns = self._cache.get(conversation_id)
            if turns is None:
                turns = deque(maxlen=self._turns)
            turns.append(trimmed)
            self._cache[conversation_id] = turns

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)
