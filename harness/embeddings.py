"""A scripted OpenAI-compatible embeddings server, so remote embeddings are tested over real HTTP, never
by patching the client.

`POST /v1/embeddings` answers with `HashingEmbedder` vectors (hashed bags of words: deterministic, and
texts sharing words are close) of dimension N for a model named `hash-N`, scaled so they are not unit
length (not every server normalises). Other model names get a 404, as vLLM and Ollama answer. It keeps a
real server's limits: at most `max_batch` inputs a request and `window` tokens an input, special tokens
included (413, as text-embeddings-inference answers); tokens here are words and punctuation marks, fewer
than any subword tokenizer counts. `fail_next` queues statuses for the next requests (a 429 carries
`Retry-After: 0.1`), `delay_s` slows every answer down, and every request is recorded in `calls`. Serve
`app` with `UvicornThread` and set `url` to its URL + `/v1`.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.hashing import HashingEmbedder

_TOKEN = re.compile(r"\w+|[^\w\s]")
_SPECIAL_TOKENS = 2


@dataclass(frozen=True)
class Call:
    model: str
    inputs: list[str]
    authorization: str | None


def tokens(text: str) -> int:
    return len(_TOKEN.findall(text)) + _SPECIAL_TOKENS


class ScriptedEmbeddings:
    def __init__(self, max_batch: int = 32, window: int = 512, api_key: str | None = None) -> None:
        self.max_batch, self.window, self.api_key = max_batch, window, api_key
        self.calls: list[Call] = []
        self.fail_next: list[int] = []
        self.delay_s = 0.0
        self.url = ""  # `http://127.0.0.1:PORT/v1`, set by whoever serves `app`
        self.app = Starlette(routes=[Route("/v1/embeddings", self._embeddings, methods=["POST"])])

    def longest_input(self) -> int:
        return max((tokens(text) for call in self.calls for text in call.inputs), default=0)

    async def _embeddings(self, request: Request) -> JSONResponse:
        body = await request.json()
        model, inputs = str(body.get("model")), body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        self.calls.append(Call(model, inputs, request.headers.get("authorization")))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_next:
            status = self.fail_next.pop(0)
            headers = {"Retry-After": "0.1"} if status == 429 else None
            return JSONResponse({"error": {"message": f"scripted {status}"}}, status, headers=headers)
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": {"message": "invalid api key"}}, 401)
        if not re.fullmatch(r"hash-\d+", model):
            return JSONResponse({"error": {"message": f"model {model!r} not found"}}, 404)
        if len(inputs) > self.max_batch:
            message = f"batch size {len(inputs)} > maximum allowed batch size {self.max_batch}"
            return JSONResponse({"error": message, "error_type": "Validation"}, 413)
        too_long = [tokens(text) for text in inputs if tokens(text) > self.window]
        if too_long:
            message = f"Input validation error: inputs must have less than {self.window} tokens"
            return JSONResponse({"error": message, "error_type": "Validation"}, 413)
        vectors = HashingEmbedder(dimension=int(model.removeprefix("hash-"))).embed(inputs) * 3.0
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
        count = sum(tokens(text) for text in inputs)
        usage = {"prompt_tokens": count, "total_tokens": count}
        return JSONResponse({"object": "list", "model": model, "data": data[::-1], "usage": usage})
