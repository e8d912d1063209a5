"""Prometheus metrics: what an operator needs to see that accords answers, how fast, and how it degrades.

Why module-level metrics in the default registry: that is the Prometheus idiom (one process, one set of
series, plus the client's own `process_*` and `python_*` collectors for free), and the code paths that
observe them (`ChatEngine.prepare`, the `Responder`, ingest callers) then need no object passed down.
Several apps in one process (the tests) share the series, which is what counters are for.

The HTTP series come from prometheus-fastapi-instrumentator (`http_requests_total{method,status,handler}`
and latency histograms per route template). Its metric functions are created once here: creating them
per app would collide in the registry, and the library would then silently instrument nothing.

Label values are bounded on purpose: route templates, modes, outcome names and failure kinds; never a
question, a document id, a client address or a request id.
"""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import Counter, Gauge, Histogram
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as http_metrics

from ingest.summary import IngestSummary, Status

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

HTTP = http_metrics.default(latency_lowr_buckets=_LATENCY_BUCKETS)
RETRIEVAL_SECONDS = Histogram(
    "accords_retrieval_seconds",
    "Time to retrieve the passages for one question (hybrid search, before any answer is written).",
    buckets=_LATENCY_BUCKETS,
)
ANSWER_SECONDS = Histogram(
    "accords_answer_seconds",
    "Time from a question to its finished answer, retrieval included, by the mode that answered.",
    ["mode"],
    buckets=_LATENCY_BUCKETS,
)
ANSWERS = Counter(
    "accords_answers_total", "Answers given, by the mode that answered and whether found.", ["mode", "found"]
)
LLM_FALLBACKS = Counter(
    "accords_llm_fallbacks_total",
    "Answers the language model did not give (the extractive answer was given instead), by cause.",
    ["kind"],
)
ANSWERS_IN_FLIGHT = Gauge("accords_answers_in_flight", "Chat requests being answered right now.")
REJECTED = Counter(
    "accords_requests_rejected_total",
    "Chat requests refused before any work: saturated (the concurrency cap), rate_limited, or the code of a "
    "site-key refusal.",
    ["reason"],
)
INGEST_DOCUMENTS = Counter(
    "accords_ingest_documents_total",
    "Documents processed by ingests this process ran, by outcome.",
    ["outcome"],
)
INGEST_CHUNKS = Counter(
    "accords_ingest_chunks_embedded_total", "Passages embedded by ingests this process ran."
)
SHARED_DEGRADED = Gauge(
    "accords_shared_degraded",
    "1 while the shared state (Redis, ACCORDS_REDIS_URL) is unavailable and this process uses its fallbacks.",
)
SHARED_FALLBACKS = Counter(
    "accords_shared_fallbacks_total",
    "Uses of the shared state (Redis) answered by a fallback instead: conversations (a follow-up answered "
    "stand-alone), rate_limits (this process's own counters), jobs, keys, signals.",
    ["part"],
)
_OUTCOMES: tuple[Status, ...] = ("added", "updated", "unchanged", "failed", "skipped")


def observe_ingest(summary: IngestSummary) -> None:
    """Count one ingest run. `ingest/` must not import `service/`, so whoever runs the pipeline inside the
    service (the admin API) calls this with the summary the pipeline returned."""
    for outcome in _OUTCOMES:
        if count := summary.count(outcome):
            INGEST_DOCUMENTS.labels(outcome).inc(count)
    if summary.deleted:
        INGEST_DOCUMENTS.labels("deleted").inc(summary.deleted)
    INGEST_CHUNKS.inc(summary.embeddings)


def observe_answer(mode: str, found: bool, seconds: float, fallback_kind: str | None) -> None:
    ANSWER_SECONDS.labels(mode).observe(seconds)
    ANSWERS.labels(mode, "true" if found else "false").inc()
    if fallback_kind is not None:
        LLM_FALLBACKS.labels(fallback_kind).inc()


def install(app: FastAPI) -> None:
    """Per-route request counts and latencies, and `GET /metrics` (kept out of the OpenAPI schema)."""
    instrumentator = Instrumentator(should_group_status_codes=False, excluded_handlers=["^/metrics$"])
    if HTTP is not None:
        instrumentator.add(HTTP)
    instrumentator.instrument(app).expose(app, include_in_schema=False)
