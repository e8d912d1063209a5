"""The one connection to the language model: a `ChatOpenAI` over an httpx client this object owns.

It is opened in the app's lifespan and closed at shutdown, so no request pays for a connection pool and
no test leaks a socket. Every way the endpoint can fail (timeout, refused or dropped connection, a 4xx or
5xx, a malformed reply) comes out as one `LLMFailure` with a short reason, which the caller turns into a
degraded extractive answer. Cancellation (a client that disconnected) is not a failure and passes through:
it unwinds the streaming request, which closes the upstream connection.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence

import httpx
import openai
from langchain_core.messages import BaseMessage
from pydantic import SecretStr

from service.settings import Settings

log = logging.getLogger(__name__)
_NO_KEY = SecretStr("not-needed")  # Ollama, vLLM and llama.cpp accept any key; the SDK insists on one


class LLMFailure(Exception):
    """The model could not answer; `reason` is short and safe to show to a user, `kind` is one word for
    the metrics (timeout, unreachable, http_error, empty, unexpected)."""

    def __init__(self, reason: str, kind: str = "unexpected") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


class LLMClient:
    def __init__(self, settings: Settings) -> None:
        if settings.llm_base_url is None:
            raise ValueError("llm_base_url is not set")
        from langchain_openai import ChatOpenAI  # about 1 s to import: only when a model is configured

        self.model_name = settings.llm_model
        timeout = httpx.Timeout(settings.llm_timeout_s)
        self._http = httpx.AsyncClient(timeout=timeout)
        self._http_sync = httpx.Client(timeout=timeout)  # unused; passed so ChatOpenAI builds no global one
        self._model = ChatOpenAI(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or _NO_KEY,
            timeout=timeout,
            max_retries=0,  # a retry would double the wait before the fallback answer
            temperature=settings.llm_temperature,
            max_completion_tokens=settings.llm_max_tokens,
            extra_body={"max_tokens": settings.llm_max_tokens},  # llama.cpp ignores the line above
            stream_usage=False,
            use_responses_api=False,
            stream_chunk_timeout=settings.llm_timeout_s,  # silence between tokens, keep-alives aside
            http_client=self._http_sync,
            http_async_client=self._http,
        )

    async def stream(self, messages: Sequence[BaseMessage]) -> AsyncGenerator[str, None]:
        """The answer's text as the model writes it."""
        try:
            async for chunk in self._model.astream(list(messages)):
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
        except Exception as error:
            raise _failure(error) from error

    async def complete(self, messages: Sequence[BaseMessage]) -> str:
        """One whole reply, not streamed (the condense step)."""
        try:
            reply = await self._model.ainvoke(list(messages))
        except Exception as error:
            raise _failure(error) from error
        return reply.content if isinstance(reply.content, str) else ""

    async def aclose(self) -> None:
        await self._http.aclose()
        self._http_sync.close()


def _failure(error: Exception) -> LLMFailure:
    if isinstance(error, LLMFailure):
        return error
    if isinstance(error, (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)):
        reason, kind = "the language model timed out", "timeout"
    elif isinstance(error, (openai.APIConnectionError, httpx.TransportError)):
        reason, kind = "the language model could not be reached or dropped the connection", "unreachable"
    elif isinstance(error, openai.APIStatusError):
        reason, kind = f"the language model answered HTTP {error.status_code}", "http_error"
    else:
        log.exception("unexpected error from the language model", exc_info=error)
        reason, kind = "the language model returned an unexpected error", "unexpected"
    log.warning("LLM failure: %s (%s: %s)", reason, type(error).__name__, error)
    return LLMFailure(reason, kind)
