"""Read a follow-up question in the light of the conversation so far (the extractive way, no LLM).

"When was that signed?" or "And what about energy?" cannot be retrieved on their own. When a question
looks dependent (a pronoun or demonstrative, "and"/"what about", or nothing in it that names a topic),
the previous questions widen the retrieval query and the documents the last answer cited are favoured.
A question that names its own topic starts afresh, so a conversation can change subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.chat.conversations import Turn

_DEPENDENT = re.compile(
    r"\b(it|its|it's|that|this|these|those|they|them|their|he|she|his|her|there|then|the same|the former|"
    r"the latter|the above|such|each side|both sides|the agreement|the statement|the document|the deal)\b",
    re.I,
)
_CONTINUATION = re.compile(
    r"^\s*(and|also|what about|how about|and what|but|so|what else|anything else)\b", re.I
)
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w.+-]*|\b\d{4}\b")
_CONTEXT_TURNS = 2


@dataclass(frozen=True, slots=True)
class FollowUp:
    context: str | None  # earlier questions to add to the retrieval query
    prior_documents: tuple[str, ...]


def read_follow_up(question: str, history: Sequence[Turn]) -> FollowUp:
    if not history or not _depends_on_history(question):
        return FollowUp(None, ())
    recent = history[-_CONTEXT_TURNS:]
    context = " ".join(turn.question for turn in recent)
    documents = tuple(dict.fromkeys(doc for turn in reversed(recent) for doc in turn.document_ids))
    return FollowUp(context, documents)


def _depends_on_history(question: str) -> bool:
    if _DEPENDENT.search(question) or _CONTINUATION.search(question):
        return True
    return not _NAME.search(question.strip())  # names no topic of its own
