"""The OpenAI chat-completions dialect, translated to and from accords' own request and response.

So that any OpenAI client (SDKs, chat front-ends, LangChain's `ChatOpenAI`) can talk to accords: the last
user message is the question, earlier user/assistant pairs are the conversation (read as follow-up
history, nothing stored server-side), system messages are ignored (accords has its own prompt), and
unknown parameters (`temperature`, `max_tokens`...) are accepted and ignored. The answer's content carries
the [n] markers; the sources travel in an extra top-level `sources` field, and the rest of the accords
response (`found`, `degraded`, `unsupported`...) in `accords`.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.chat import Turn
from service.http import describe_validation
from service.schemas import ChatFilters, ChatRequest, ChatResponse

MODEL_ID = "accords"
_HISTORY_TURNS, _HISTORY_CHARS = 6, 600


class OpenAIError(Exception):
    """Answered as `{"error": {"message", "type", "param", "code"}}`, the shape OpenAI clients parse."""

    def __init__(self, status: int, message: str, param: str | None = None, kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.kind = kind or ("invalid_request_error" if status < 500 else "server_error")

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": None}}


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text or "" for part in self.content if part.type == "text").strip()
        return (self.content or "").strip()


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False
    top_k: int | None = Field(default=None, ge=1, le=20, description="accords: number of sources.")
    filters: ChatFilters | None = Field(default=None, description="accords: as in /chat.")


def parse(body: object) -> tuple[CompletionRequest, ChatRequest, list[Turn]]:
    """The request, the question as a /chat request, and the history; `OpenAIError` (400) if invalid."""
    try:
        request = CompletionRequest.model_validate(body)
    except ValidationError as error:
        raise OpenAIError(400, _describe(error)) from error
    last = request.messages[-1]
    if last.role != "user" or not last.text():
        raise OpenAIError(400, "the last message must be a user message with text: the question", "messages")
    try:
        chat = ChatRequest(question=last.text(), top_k=request.top_k, filters=request.filters)
    except ValidationError as error:
        raise OpenAIError(400, _describe(error), "messages") from error
    return request, chat, history(request.messages[:-1])


def _describe(error: ValidationError) -> str:
    return describe_validation(RequestValidationError(error.errors(include_context=False)))


def history(messages: list[Message]) -> list[Turn]:
    """Earlier user messages, each with the assistant reply that followed it (if any), oldest first."""
    turns: list[Turn] = []
    for message in messages:
        if message.role == "user" and message.text():
            turns.append(Turn(message.text()[:_HISTORY_CHARS], "", (), False))
        elif message.role == "assistant" and turns and not turns[-1].answer and message.text():
            previous = turns[-1]
            turns[-1] = Turn(previous.question, message.text()[:_HISTORY_CHARS], (), True)
    return turns[-_HISTORY_TURNS:]


def completion_id(answer_id: str) -> str:
    """The completion's id: the answer's, which `POST /feedback` also takes with this prefix."""
    return f"chatcmpl-{answer_id}"


def extras(response: ChatResponse) -> dict[str, Any]:
    """What an OpenAI response has no field for: the sources, and accords' own verdicts."""
    return {
        "sources": [source.model_dump() for source in response.sources],
        "accords": response.model_dump(exclude={"sources", "conversation_id"}),
    }


def completion(response: ChatResponse, model: str) -> dict[str, Any]:
    return {
        "id": completion_id(response.answer_id),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": response.answer},
                "finish_reason": "stop",
            }
        ],
        **extras(response),
    }


def chunk(ident: str, model: str, delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
