"""Recent turns of each conversation, so a follow-up ("When was that signed?") can be understood.

Two stores behind one async interface (`ConversationStore`): `Conversations`, in this process's memory
(one `accords serve`), and `RedisConversations`, shared by every replica behind a load balancer, so a
follow-up that lands on another replica keeps its context. Both are bounded, so a busy or abusive client
cannot grow memory without end: a few turns per conversation (a Redis list trimmed on every write), an
expiry after inactivity (the TTL is renewed on every read and write), and, in memory, a cap on
conversations overall (least recently used go first; in Redis the TTL and the server's maxmemory policy
bound them). Ids are 128 random bits (uuid4) made by the service, so another visitor's conversation cannot
be guessed. When Redis does not answer, `recall` gives no turns and says why (`degraded_reason`): the
question is then answered as a stand-alone one, and the response says so.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from cachetools import TTLCache

from service.shared.link import Link

_MAX_TEXT = 600  # characters kept of a question or answer
_MAX_DOCUMENTS = 5
KEY_PREFIX = "accords:conversation:"
UNAVAILABLE = (
    "the conversation's earlier turns are unavailable (shared state down): answered as a new question"
)


@dataclass(frozen=True, slots=True)
class Turn:
    question: str
    answer: str
    document_ids: tuple[str, ...]  # documents the answer cited
    found: bool


@dataclass(frozen=True, slots=True)
class Recalled:
    conversation_id: str
    turns: list[Turn]
    degraded_reason: str | None = None  # set when earlier turns may exist but could not be read


def _trimmed(turn: Turn) -> Turn:
    documents = turn.document_ids[:_MAX_DOCUMENTS]
    return Turn(turn.question[:_MAX_TEXT], turn.answer[:_MAX_TEXT], documents, turn.found)


def new_id() -> str:
    return uuid.uuid4().hex


class ConversationStore(Protocol):
    async def recall(self, conversation_id: str | None) -> Recalled:
        """The id to use (a new one for a missing id) and the turns so far, oldest first."""
        ...

    async def remember(self, conversation_id: str, turn: Turn) -> None: ...


class Conversations:
    """In this process's memory: what one `accords serve` needs (and the laptop default)."""

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
            return conversation_id or new_id(), []

    def record(self, conversation_id: str, turn: Turn) -> None:
        with self._lock:
            turns = self._cache.get(conversation_id)
            if turns is None:
                turns = deque(maxlen=self._turns)
            turns.append(_trimmed(turn))
            self._cache[conversation_id] = turns

    async def recall(self, conversation_id: str | None) -> Recalled:
        return Recalled(*self.history(conversation_id))

    async def remember(self, conversation_id: str, turn: Turn) -> None:
        self.record(conversation_id, turn)

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)


def _encode(turn: Turn) -> str:
    return json.dumps([turn.question, turn.answer, list(turn.document_ids), turn.found])


def _decode(raw: str) -> Turn | None:
    try:
        question, answer, documents, found = json.loads(raw)
        return Turn(str(question), str(answer), tuple(str(d) for d in documents), bool(found))
    except (ValueError, TypeError):
        return None  # not ours: skipped rather than failing the question


class RedisConversations:
    """In Redis: one list per conversation, shared by every replica."""

    def __init__(self, link: Link, max_turns: int, ttl_seconds: float) -> None:
        self._link = link
        self._turns = max_turns
        self._ttl_ms = max(1, int(ttl_seconds * 1000))

    async def recall(self, conversation_id: str | None) -> Recalled:
        if conversation_id is None:
            return Recalled(new_id(), [])
        key = KEY_PREFIX + conversation_id

        async def read() -> list[str]:
            async with self._link.client.pipeline(transaction=True) as pipe:
                pipe.lrange(key, 0, -1).pexpire(key, self._ttl_ms)
                raw, _ = await pipe.execute()
            return [str(item) for item in raw]

        raw = await self._link.call("conversations", read, None)
        if raw is None:
            return Recalled(conversation_id, [], UNAVAILABLE)
        return Recalled(conversation_id, [t for t in map(_decode, raw) if t is not None])

    async def remember(self, conversation_id: str, turn: Turn) -> None:
        key = KEY_PREFIX + conversation_id

        async def write() -> bool:
            async with self._link.client.pipeline(transaction=True) as pipe:
                pipe.rpush(key, _encode(_trimmed(turn))).ltrim(key, -self._turns, -1)
                pipe.pexpire(key, self._ttl_ms)
                await pipe.execute()
            return True

        await self._link.call("conversations", write, False)  # lost: the next follow-up says it is degraded
