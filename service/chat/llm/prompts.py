"""The prompt files (`prompts/`), loaded once at start-up, and the messages built from them.

Prompts are files so they can be tuned without touching code; a missing file or a missing placeholder
stops start-up with a message instead of failing on the first question. Passages reach the model as
quoted, untrusted data: each sits inside a `<passage>` element, and any tag in the document's own text
that could close that element early is defused, so a document cannot step outside its quotation and
pose as the application. The system prompt tells the model that text inside passages is never an
instruction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.prompts import PromptTemplate

from ingest.store import StoredChunk
from service.answer.sentences import without_markers
from service.chat.conversations import Turn

_TAG = re.compile(r"<\s*/?\s*passage", re.I)
_HISTORY_ANSWER_CHARS = 400


class PromptError(ValueError):
    """A prompt file is missing or lacks a placeholder; the message names it."""


@dataclass(frozen=True, slots=True)
class Prompts:
    system: str
    answer: PromptTemplate  # {passages} {question}
    condense: PromptTemplate  # {history} {question}

    @classmethod
    def load(cls, folder: Path) -> Prompts:
        return cls(
            system=_read(folder / "system.md"),
            answer=_template(folder / "answer.md", {"passages", "question"}),
            condense=_template(folder / "condense.md", {"history", "question"}),
        )

    def answer_messages(self, question: str, passages: Sequence[StoredChunk]) -> list[BaseMessage]:
        quoted = "\n\n".join(quote(number, passage) for number, passage in enumerate(passages, start=1))
        return [
            SystemMessage(self.system),
            HumanMessage(self.answer.format(passages=quoted, question=question.strip())),
        ]

    def condense_messages(self, question: str, history: Sequence[Turn]) -> list[BaseMessage]:
        lines = []
        for turn in history:
            lines.append(f"User: {turn.question.strip()}")
            lines.append(f"Assistant: {without_markers(turn.answer)[:_HISTORY_ANSWER_CHARS]}")
        return [HumanMessage(self.condense.format(history="\n".join(lines), question=question.strip()))]


def quote(number: int, passage: StoredChunk) -> str:
    """One passage as data: numbered, labelled with its document, its text defused."""
    labels = {"id": str(number), "document": passage.title, "date": passage.date, "section": passage.heading}
    attributes = " ".join(f'{name}="{_attribute(value)}"' for name, value in labels.items() if value)
    return f"<passage {attributes}>\n{_defuse(passage.text)}\n</passage>"


def _defuse(text: str) -> str:
    return _TAG.sub(lambda match: match.group(0).replace("<", "‹"), text)


def _attribute(value: str) -> str:
    return _defuse(value).replace('"', "'").replace("<", "‹").replace(">", "›").replace("\n", " ")


def _read(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise PromptError(f"cannot read prompt {path}: {error.strerror}") from error
    if not text:
        raise PromptError(f"prompt {path} is empty")
    return text


def _template(path: Path, variables: set[str]) -> PromptTemplate:
    text = _read(path)
    try:
        template = PromptTemplate.from_template(text)
    except ValueError as error:
        raise PromptError(f"prompt {path} is not a valid template: {error}") from error
    if set(template.input_variables) != variables:
        wanted = ", ".join("{" + name + "}" for name in sorted(variables))
        raise PromptError(f"prompt {path} must use exactly {wanted}")
    return template
