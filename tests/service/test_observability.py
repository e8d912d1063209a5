"""GET /metrics (Prometheus text), the X-Request-ID on every response, and JSON logs that carry it.

Metrics are process-wide counters, so each test reads them before and after what it does and checks the
difference. Labels must stay bounded: a question, a document id or a request id never becomes a label.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from asgi_correlation_id import CorrelationIdFilter, correlation_id
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from harness import HashingEmbedder
from ingest.summary import FileOutcome, IngestSummary
from service.http import logs, metrics
from tests.service.conftest import service_settings
from tests.service.test_cli import serve_once

Client = Callable[..., TestClient]
QUESTION = "When does the Northwater Basin Treaty enter into force?"
HEX_ID = re.compile(r"[0-9a-f]{32}")


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_per_route_and_time_the_answer(client: TestClient) -> None:
    before = scrape(client)
    assert client.post("/chat", json={"question": QUESTION}).status_code == 200
    assert client.get("/documents/northwater-basin-treaty").status_code == 200
    assert client.get("/no/such/route").status_code == 404
    after = scrape(client)

    def grew(name: str, by: float = 1, **labels: str) -> None:
        assert value(after, name, **labels) - value(before, name, **labels) == by, (name, labels)

    grew("http_requests_total", handler="/chat", method="POST", status="200")
    grew("http_requests_total", handler="/documents/{document_id:path}", method="GET", status="200")
    grew("http_requests_total", handler="none", method="GET", status="404")
    grew("http_request_duration_seconds_count", handler="/chat", method="POST")
    grew("accords_retrieval_seconds_count")
    grew("accords_answer_seconds_count", mode="extractive")
    grew("accords_answers_total", mode="extractive", found="true")
    grew("accords_llm_fallbacks_total", by=0, kind="timeout")
    assert value(after, "process_resident_memory_bytes") > 0  # the client's process collector


def test_no_question_or_document_id_becomes_a_label(client: TestClient) -> None:
    client.post("/chat", json={"question": "Zanzibar quokka marmalade treaty?"})
    client.get("/documents/no-such-document-xyzzy")
    client.get("/unknown-route-plugh")
    text = client.get("/metrics").text
    assert "quokka" not in text and "xyzzy" not in text and "plugh" not in text
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


def test_ingest_runs_are_counted() -> None:
    summary = IngestSummary(
        outcomes=[
            FileOutcome("a.md", "added", "a", 3),
            FileOutcome("b.md", "added", "b", 2),
            FileOutcome("c.pdf", "failed", reason="encrypted"),
        ],
        pruned=["gone"],
        embeddings=5,
    )
    series = [
        ("accords_ingest_documents_total", {"outcome": "added"}),
        ("accords_ingest_documents_total", {"outcome": "failed"}),
        ("accords_ingest_documents_total", {"outcome": "deleted"}),
        ("accords_ingest_chunks_embedded_total", {}),
    ]
    before = [REGISTRY.get_sample_value(name, labels) or 0.0 for name, labels in series]
    metrics.observe_ingest(summary)
    after = [REGISTRY.get_sample_value(name, labels) or 0.0 for name, labels in series]
    assert [b - a for a, b in zip(before, after, strict=True)] == [2, 1, 1, 5]


# ---- request ids


def test_a_request_id_is_made_when_none_is_sent(client: TestClient) -> None:
    first, second = client.get("/health"), client.get("/health")
    assert HEX_ID.fullmatch(first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("sent", ["req-42", "4bf92f3577b34da6a3ce929d0e0e4736", "Root=1-5759e988-bd862e3f"])
def test_a_valid_request_id_is_kept(client: TestClient, sent: str) -> None:
    assert client.get("/health", headers={"X-Request-ID": sent}).headers["x-request-id"] == sent


@pytest.mark.parametrize(
    "sent", ["a" * (logs.MAX_REQUEST_ID + 1), "two words", 'quote"d', "new\tline", "<script>"]
)
def test_an_invalid_request_id_is_replaced(client: TestClient, sent: str) -> None:
    assert HEX_ID.fullmatch(client.get("/health", headers={"X-Request-ID": sent}).headers["x-request-id"])


def test_refusals_from_the_middlewares_carry_the_request_id(make_client: Client) -> None:
    client = make_client(rate_limit_ip="1/minute", max_body_bytes=1024)
    too_large = client.post(
        "/chat", content=b"{" + b" " * 2000 + b"}", headers={"content-type": "application/json"}
    )
    assert too_large.status_code == 413 and HEX_ID.fullmatch(too_large.headers["x-request-id"])
    client.post("/chat", json={"question": QUESTION})
    limited = client.post("/chat", json={"question": QUESTION}, headers={"X-Request-ID": "retry-7"})
    assert limited.status_code == 429 and limited.headers["x-request-id"] == "retry-7"


# ---- logs


def test_log_lines_are_json_with_the_request_id() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.observability")
    handler = logs.make_handler("json", stream)
    logger.addHandler(handler)
    try:
        token = correlation_id.set("req-42")
        logger.warning("store unavailable: %s", "connection refused")
        correlation_id.reset(token)
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "store unavailable: connection refused"
    assert (inside["level"], inside["name"], inside["request_id"]) == (
        "WARNING",
        "tests.observability",
        "req-42",
    )
    assert "time" in inside and outside["request_id"] == "-"


def test_records_logged_during_a_request_carry_its_id(
    make_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(CorrelationIdFilter(default_value="-"))
    client = make_client(llm_base_url="http://127.0.0.1:9/v1")  # refused: a warning, then the fallback
    with caplog.at_level(logging.INFO):
        response = client.post("/chat", json={"question": QUESTION}, headers={"X-Request-ID": "trace-1"})
    assert response.status_code == 200 and response.json()["degraded"] is True
    failures = [r for r in caplog.records if r.getMessage().startswith("LLM failure")]
    assert failures and all(getattr(r, "correlation_id", None) == "trace-1" for r in failures)


def test_questions_are_not_logged_at_info(make_client: Client, caplog: pytest.LogCaptureFixture) -> None:
    question = "Which quokka signed the marmalade accord?"
    client = make_client(llm_base_url="http://127.0.0.1:9/v1")
    with caplog.at_level(logging.INFO):
        client.post("/chat", json={"question": question})
        client.post("/chat/stream", json={"question": question})
        body = {"model": "accords", "messages": [{"role": "user", "content": question}]}
        client.post("/v1/chat/completions", json=body)
        client.post("/v1/chat/completions", json={**body, "stream": True})
        client.post("/chat", json={"question": question, "top_k": 99})  # a 422
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records and "quokka" not in logged and "marmalade" not in logged


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_are_text_on_a_terminal_and_json_otherwise(tmp_path: Path) -> None:
    assert service_settings(tmp_path).log_format == "auto"
    for stream in (Terminal(), io.StringIO()):
        logger = logging.getLogger("tests.observability.auto")
        handler = logs.make_handler("auto", stream)
        logger.addHandler(handler)
        try:
            logger.warning("store unavailable")
        finally:
            logger.removeHandler(handler)
        line = stream.getvalue().strip()
        if isinstance(stream, Terminal):
            assert line.endswith("WARNING [-] tests.observability.auto: store unavailable"), line
        else:
            assert json.loads(line)["message"] == "store unavailable"


def test_json_log_lines_hold_no_colour_codes() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("tests.observability.colour")
    handler = logs.make_handler("json", stream)
    logger.addHandler(handler)
    try:  # uvicorn adds a coloured copy of its messages as the `color_message` extra
        logger.warning("Started [%d]", 7, extra={"color_message": "Started [\x1b[36m%d\x1b[0m]"})
        logger.warning("a \x1b[1mbold\x1b[0m word")
    finally:
        logger.removeHandler(handler)
    assert "\x1b" not in stream.getvalue() and "\\u001b" not in stream.getvalue()
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert "color_message" not in first and first["message"] == "Started [7]"
    assert second["message"] == "a bold word"


def test_accords_serve_logs_json_lines_without_colour_codes_when_not_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, sample_data: Path, fake: HashingEmbedder
) -> None:
    """The real command (default ACCORDS_LOG_FORMAT=auto, stderr a pipe): uvicorn's lines included."""
    result, port, statuses = serve_once(monkeypatch, service_settings(sample_data), fake, ["/health"])
    assert result.exit_code == 0 and statuses == [200], result.output
    assert "\x1b[" not in result.stderr and "\\u001b" not in result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]  # every line is JSON
    assert not any("color_message" in record for record in records)
    messages = [record["message"] for record in records]
    assert f"Uvicorn running on http://127.0.0.1:{port} (Press CTRL+C to quit)" in messages
    access = [r for r in records if r["name"] == "uvicorn.access" and "GET /health" in r["message"]]
    assert len(access) == 1 and HEX_ID.fullmatch(access[0]["request_id"])
