"""Answering: a question in, a cited answer (or an honest "not in the documents") out.

The responder (`Responder.events` / `respond`) is the one entry every door calls: `/chat`, `/chat/stream`,
`/v1/chat/completions`, `accords ask` and `accords eval`. It reads the question in its conversation
(`conversations`, `followup`), retrieves (`engine`), and has a writer draft the answer: the language model
when one is configured (`llm/`), the extractive answerer otherwise or whenever the model fails (`writer`).
Every step speaks the vocabulary of `events`.
"""

from __future__ import annotations

from service.chat.conversations import Conversations, ConversationStore, Turn
from service.chat.engine import ChatEngine
from service.chat.events import Delta, Done, Error, Event, Sources
from service.chat.llm.client import LLMClient
from service.chat.responder import Responder, open_responder
from service.chat.saved_conversations import (
    SAVED_CONVERSATIONS_FILE,
    restore_conversation,
    save_conversation,
)

__all__ = [
    "SAVED_CONVERSATIONS_FILE",
    "ChatEngine",
    "ConversationStore",
    "Conversations",
    "Delta",
    "Done",
    "Error",
    "Event",
    "LLMClient",
    "Responder",
    "Sources",
    "Turn",
    "open_responder",
    "restore_conversation",
    "save_conversation",
]
