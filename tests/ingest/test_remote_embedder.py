"""The remote embedder against a scripted OpenAI-compatible server on 127.0.0.1: vectors, batching,
retries, timeouts, errors, token counts, and chunks that fit the remote window."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from harness import HashingEmbedder, ScriptedEmbeddings, UvicornThread, free_port
from ingest.embedders import EmbeddingsUnavailable
from ingest.embedders.remote import RemoteEmbedder, endpoint_url
from ingest.embedders.tokens import ESTIMATE_FACTOR, bundled_tokenizer_path, exact_counter, remote_counter
from ingest.pipeline import Ingestor
from ingest.store import open_store
from service.settings import Settings
from tests.conftest import SAMPLES


@pytest.fixture
def server() -> Iterator[ScriptedEmbeddings]:
    scripted = ScriptedEmbeddings()
    with UvicornThread(scripted.app) as thread:
        scripted.url = f"{thread.url}/v1"
        yield scripted


def remote(server: ScriptedEmbeddings, model: str = "hash-64", **options: Any) -> RemoteEmbedder:
    return RemoteEmbedder(server.url, model, **options)


def test_the_endpoint_url_accepts_a_base_or_the_full_path() -> None:
    assert endpoint_url("http://gpu:8080/v1/") == "http://gpu:8080/v1/embeddings"
    assert endpoint_url("http://gpu:11434/v1/embeddings") == "http://gpu:11434/v1/embeddings"


def test_vectors_are_the_servers_in_input_order_and_unit_length(server: ScriptedEmbeddings) -> None:
    with remote(server) as embedder:
        assert (embedder.model_name, embedder.dimension, len(server.calls)) == ("hash-64", 64, 1)  # probed
        texts = ["energy grids", "fisheries quota", "", "energy grids"]
        vectors = embedder.embed(texts)
    expected = HashingEmbedder(64).embed(texts)
    assert np.allclose(vectors[[0, 1, 3]], expected[[0, 1, 3]], atol=1e-6)
    assert not vectors[2].any()  # blank text: no request, zero vector
    assert np.allclose(np.linalg.norm(vectors[[0, 1, 3]], axis=1), 1.0)
    assert server.calls[-1].inputs == ["energy grids", "fisheries quota"]  # deduplicated


def test_passages_and_their_sentences_go_in_the_same_few_requests(server: ScriptedEmbeddings) -> None:
    texts = ["Title\nPorts open. Fees drop.", "Title\nQuotas rise. Ports open.", "Title\nNothing here"]
    spans = [[(6, 17), (18, 28)], [(6, 18), (19, 30)], [(6, 6)]]
    with remote(server, batch_size=4, concurrency=2) as embedder:
        passages, sentences = embedder.embed_passages(texts, spans)
    requests = server.calls[1:]
    assert all(len(call.inputs) <= 4 for call in requests)
    sent = [text for call in requests for text in call.inputs]
    assert len(sent) == len(set(sent)) == 3 + 3  # "Ports open." once; the blank sentence not at all
    fake = HashingEmbedder(64)
    assert np.allclose(passages, fake.embed(texts), atol=1e-6)
    assert np.allclose(sentences[0], fake.embed(["Ports open.", "Fees drop."]), atol=1e-6)
    assert np.allclose(sentences[1][1], sentences[0][0])
    assert np.allclose(sentences[2][0], passages[2])  # a blank sentence falls back to its passage


def test_429_and_5xx_are_retried_with_backoff(server: ScriptedEmbeddings) -> None:
    with remote(server, retries=3) as embedder:
        server.fail_next = [429, 503]
        began = time.monotonic()
        vectors = embedder.embed(["customs union"])
        elapsed = time.monotonic() - began
    assert vectors.shape == (1, 64) and len(server.calls) == 1 + 3
    assert 0.1 + 0.5 <= elapsed < 3  # Retry-After: 0.1, then 0.25 * 2


def test_it_gives_up_with_the_endpoint_and_the_reason(server: ScriptedEmbeddings) -> None:
    with remote(server, retries=2) as embedder:
        server.fail_next = [503, 503, 503]
        with pytest.raises(
            EmbeddingsUnavailable, match=r"v1/embeddings \(model hash-64\) failed after 3 attempts"
        ):
            embedder.embed(["customs union"])


def test_client_errors_fail_at_once_with_a_hint(server: ScriptedEmbeddings) -> None:
    with pytest.raises(EmbeddingsUnavailable, match="HTTP 404.*check ACCORDS_EMBEDDINGS_URL"):
        remote(server, model="no-such-model")
    assert len(server.calls) == 1
    server.api_key = "sk-right"
    with pytest.raises(EmbeddingsUnavailable, match="HTTP 401.*ACCORDS_EMBEDDINGS_API_KEY"):
        remote(server, api_key="sk-wrong")
    with remote(server, api_key="sk-right") as embedder:
        assert embedder.dimension == 64 and server.calls[-1].authorization == "Bearer sk-right"


def test_an_input_over_the_window_names_the_settings(server: ScriptedEmbeddings) -> None:
    server.window = 8
    with remote(server, retries=3) as embedder:
        with pytest.raises(EmbeddingsUnavailable, match="HTTP 413.*ACCORDS_EMBEDDINGS_MAX_TOKENS"):
            embedder.embed(["one two three four five six seven eight nine"])
    server.max_batch = 2
    with remote(server, retries=3) as embedder:
        with pytest.raises(EmbeddingsUnavailable, match="ACCORDS_EMBEDDINGS_BATCH_SIZE"):
            embedder.embed(["a", "b", "c"])


def test_a_refused_connection_and_a_silent_server_fail_fast(server: ScriptedEmbeddings) -> None:
    began = time.monotonic()
    with pytest.raises(EmbeddingsUnavailable, match="after 2 attempts: ConnectError"):
        RemoteEmbedder(f"http://127.0.0.1:{free_port()}/v1", "hash-64", retries=1)
    assert time.monotonic() - began < 2
    with remote(server, timeout_s=0.3, retries=0) as embedder:
        server.delay_s = 1.0
        began = time.monotonic()
        with pytest.raises(EmbeddingsUnavailable, match="ReadTimeout"):
            embedder.embed(["customs union"])
        assert time.monotonic() - began < 1.5


def test_a_configured_dimension_skips_the_probe_and_is_checked(server: ScriptedEmbeddings) -> None:
    with remote(server, dimension=32) as embedder:
        assert embedder.dimension == 32 and server.calls == []
        with pytest.raises(EmbeddingsUnavailable, match="dimension 64, expected 32"):
            embedder.embed(["customs union"])


def test_token_counts_exact_for_known_tokenizers_and_over_counted_otherwise(tmp_path: Path) -> None:
    text = "The Northwater Basin Treaty sets 42 cubic metres per second at Keld from 1 January 2026."
    wordpieces = exact_counter(bundled_tokenizer_path())(text)
    same, how = remote_counter("sentence-transformers/all-MiniLM-L6-v2", None)
    assert same(text) == wordpieces and how.startswith("exact")
    assert remote_counter("all-minilm:l6-v2", None)[0](text) == wordpieces  # Ollama's name
    copy = tmp_path / "tokenizer.json"
    copy.write_bytes(bundled_tokenizer_path().read_bytes())
    assert remote_counter("BAAI/bge-m3", copy)[0](text) == wordpieces
    estimate, how = remote_counter("BAAI/bge-m3", None)
    extra_digits = 1 + 3  # "42" and "2026" may be one token a digit
    assert estimate(text) == math.ceil(ESTIMATE_FACTOR * wordpieces) + extra_digits
    assert how.startswith("estimated")
    with pytest.raises(EmbeddingsUnavailable, match="no file"):
        remote_counter("BAAI/bge-m3", tmp_path / "missing.json")


def test_ingested_passages_fit_the_remote_window(server: ScriptedEmbeddings, settings: Settings) -> None:
    """The server refuses any input over 128 tokens; with the over-counting estimate nothing is refused."""
    server.window = 128
    with remote(server, max_tokens=128) as embedder:
        summary = Ingestor(open_store(settings, embedder), embedder, settings).run([SAMPLES])
    assert (summary.count("added"), summary.failed) == (7, 0)
    assert 64 < server.longest_input() <= 128
