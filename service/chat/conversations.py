"""The conversation memory behind follow-ups lives in `service.shared` (in memory, or in Redis for a
fleet of replicas); its names are re-exported here, where the chat package has always found them."""

from __future__ import annotations

from service.shared import Conversations, ConversationStore, Recalled, Turn

__all__ = ["ConversationStore", "Conversations", "Recalled", "Turn"]
