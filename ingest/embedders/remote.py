"""Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (text-embeddings-inference, vLLM, Ollama).

For GPU boxes and big re-ingests: the model runs elsewhere and this process only sends text. What differs
from the in-process model (`SentenceTransformerEmbedder`):

- Sentence vectors: in-process, they are pooled from the passage's own token vectors ("late chunking");
  an endpoint returns pooled vectors only, so every sentence is embedded as a text of its own, in the same
  requests as the passages (deduplicated, `embeddings_batch_size` texts a request, a few requests in flight).
- Token counts for sizing chunks come from `ingest.embedders.tokens` (exact when the tokenizer is known).
- Vectors are normalised here (not every server does): the store compares them by dot product.
- 429, 408, 5xx, timeouts and connection errors are retried with exponential backoff (a short
  Retry-After is honoured); other errors (401, 404, an input too long, ...) fail at once. Either way the
  caller gets `EmbeddingsUnavailable` naming the endpoint and the reason.

httpx directly rather than the `openai` client: the latter's retry policy, base64 default and strict
response model do not fit servers that implement the API loosely (Ollama omits `usage`, for one).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from ingest.embedders.base import EmbeddingsUnavailable, Spans, Vectors, sentences_alone
from ingest.embedders.tokens import remote_counter
from ingest.settings import StoreSettings

_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_BACKOFF_S = 0.25
_MAX_RETRY_AFTER_S = 10.0


def endpoint_url(url: str) -> str:
    """`http://host:8080/v1` (like ACCORDS_LLM_BASE_URL) or the full `.../v1/embeddings`."""
    url = url.rstrip("/")
    return url if url.endswith("/embeddings") else f"{url}/embeddings"


class RemoteEmbedder:
    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key: str | None = None,
        max_tokens: int = 512,
        dimension: int | None = None,
        batch_size: int = 32,
        concurrency: int = 4,
        timeout_s: float = 60.0,
        retries: int = 4,
        tokenizer: Path | None = None,
    ) -> None:
        self.endpoint = endpoint_url(url)
        self._model = model
        self._max_tokens = max_tokens
        self._batch_size, self._concurrency, self._retries = batch_size, concurrency, retries
        self._count, self.token_counting = remote_counter(model, tokenizer)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            headers={"Authorization": f"Bearer {api_key}"} if api_key else {},
            limits=httpx.Limits(max_connections=concurrency),
        )
        self._dimension = dimension or 0
        if not dimension:
            try:
                self._dimension = self._post(["dimension probe"]).shape[1]  # the first response tells
            except BaseException:
                self.close()
                raise

    @classmethod
    def from_settings(cls, settings: StoreSettings) -> RemoteEmbedder:
        assert settings.embeddings_url and settings.embeddings_model, "checked by StoreSettings"
        key = settings.embeddings_api_key
        return cls(
            settings.embeddings_url,
            settings.embeddings_model,
            api_key=key.get_secret_value() if key else None,
            max_tokens=settings.embeddings_max_tokens,
            dimension=settings.embeddings_dimension,
            batch_size=settings.embeddings_batch_size,
            concurrency=settings.embeddings_concurrency,
            timeout_s=settings.embeddings_timeout_s,
            retries=settings.embeddings_retries,
            tokenizer=settings.embeddings_tokenizer,
        )

    @property
    def model_name(self) -> str:
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return self._count(text)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RemoteEmbedder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One vector per text; blank texts get a zero vector without asking the server."""
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        unique = list(dict.fromkeys(text for text in texts if text.strip()))
        if not unique:
            return vectors
        batches = [unique[i : i + self._batch_size] for i in range(0, len(unique), self._batch_size)]
        if len(batches) == 1:
            results = [self._post(batches[0])]
        else:
            with ThreadPoolExecutor(min(self._concurrency, len(batches)), "accords-embed") as pool:
                results = list(pool.map(self._post, batches))
        row_of = {text: row for row, text in enumerate(unique)}
        found = np.concatenate(results)
        for index, text in enumerate(texts):
            if text in row_of:
                vectors[index] = found[row_of[text]]
        return vectors

    def embed_passages(self, texts: Sequence[str], spans: Sequence[Spans]) -> tuple[Vectors, list[Vectors]]:
        """Passages and their sentences in the same requests, each sentence embedded on its own."""
        return sentences_alone(texts, spans, self.embed)

    def _post(self, batch: list[str]) -> Vectors:
        body = {"model": self._model, "input": batch, "encoding_format": "float"}
        for attempt in range(self._retries + 1):
            wait = _BACKOFF_S * 2**attempt
            try:
                response = self._http.post(self.endpoint, json=body)
            except httpx.TransportError as err:  # refused, reset, timed out
                reason = f"{type(err).__name__}: {err}".rstrip(": ")
            else:
                if response.status_code == 200:
                    return self._parse(response, len(batch))
                reason = f"HTTP {response.status_code}: {response.text[:300].strip()}"
                if response.status_code not in _RETRY_STATUS:
                    raise EmbeddingsUnavailable(self._failure(reason, attempt + 1) + _hint(response))
                wait = _retry_after(response) or wait
            if attempt < self._retries:
                time.sleep(wait)
        raise EmbeddingsUnavailable(self._failure(reason, self._retries + 1))

    def _failure(self, reason: str, attempts: int) -> str:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return f"the embeddings server at {self.endpoint} (model {self._model}) failed{tries}: {reason}"

    def _parse(self, response: httpx.Response, expected: int) -> Vectors:
        try:
            data: list[dict[str, Any]] = response.json()["data"]
            if all("index" in item for item in data):
                data = sorted(data, key=lambda item: int(item["index"]))
            rows = [_vector(item["embedding"]) for item in data]
            vectors = np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
        except (ValueError, KeyError, TypeError) as err:
            raise EmbeddingsUnavailable(self._failure(f"not an embeddings response ({err})", 1)) from err
        if len(rows) != expected:
            raise EmbeddingsUnavailable(self._failure(f"{len(rows)} vectors for {expected} texts", 1))
        if self._dimension and vectors.shape[1] != self._dimension:
            raise EmbeddingsUnavailable(
                self._failure(f"vectors of dimension {vectors.shape[1]}, expected {self._dimension}", 1)
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def _vector(raw: Any) -> Vectors:
    if isinstance(raw, str):  # encoding_format=base64, if a server insists on it
        return np.frombuffer(base64.b64decode(raw), dtype=np.float32).copy()
    return np.asarray(raw, dtype=np.float32)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(max(float(response.headers.get("retry-after", "")), 0.0), _MAX_RETRY_AFTER_S)
    except ValueError:
        return None


def _hint(response: httpx.Response) -> str:
    text = response.text.lower()
    if response.status_code in (400, 413, 422) and "batch" in text:
        return " (fewer texts per request: lower ACCORDS_EMBEDDINGS_BATCH_SIZE)"
    if response.status_code in (400, 413, 422) and any(w in text for w in ("token", "length", "long")):
        return (
            " (a passage is longer than the model accepts: set ACCORDS_EMBEDDINGS_MAX_TOKENS to its window"
            " or ACCORDS_EMBEDDINGS_TOKENIZER to its tokenizer.json, then re-ingest)"
        )
    if response.status_code in (401, 403):
        return " (check ACCORDS_EMBEDDINGS_API_KEY)"
    if response.status_code == 404:
        return " (check ACCORDS_EMBEDDINGS_URL, which ends in /v1, and ACCORDS_EMBEDDINGS_MODEL)"
    return ""
