"""The real thing: samples ingested with the bundled model by `accords ingest`, `accords serve` on a free port
of 127.0.0.1 asked over HTTP, and `accords ask` / `accords eval` as a user runs them."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from harness import ServiceProcess, accords_env, free_port, run_accords
from tests.service.checks import NOT_FOUND, check_chat_response, parse_sse
from tests.service.test_evaluation import METRICS, SAMPLES_QA

pytestmark = pytest.mark.slow

# (question, what the answer must say, the document it must cite)
FACTS = [
    (
        "How much will Canada provide under the coastal resilience partnership?",
        "CAD $420 million",
        "aldermere-coastal-resilience-fact-sheet",
    ),
    (
        "What is the minimum flow at the Keld gauging station?",
        "42 cubic metres per second",
        "northwater-basin-treaty",
    ),
    (
        "How much investment did the revised joint statement set for the Green Hydrogen Corridor?",
        "EUR 1.5 billion",
        "aldermere-korvath-joint-statement-v2-revised",
    ),
    ("When will e-invoicing be interoperable?", "1 January 2026", "korvath-sarn-digital-trade-statement"),
    (
        "What is the capacity of the Skarholm offshore wind array?",
        "600 megawatts",
        "sarn-korvath-clean-energy-plan",
    ),
    (
        "How many joint patrol days a year are required?",
        "at least 40 joint patrol days",
        "aldermere-tessaly-fisheries-mou",
    ),
    (
        "What is the total investment of the clean energy plan?",
        "EUR 2.3 billion",
        "sarn-korvath-clean-energy-plan",
    ),
]


def ask(http: httpx.Client, question: str, **fields: object) -> dict[str, object]:
    response = http.post("/chat", json={"question": question, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def cited(body: dict[str, object]) -> set[str]:
    response = check_chat_response(body)
    return {response.sources[n - 1].document_id for s in response.sentences for n in s.sources}


# -------------------------------------------------------------------------------- accords serve


@pytest.mark.parametrize(("question", "fact", "document"), FACTS, ids=[f[1] for f in FACTS])
def test_the_server_answers_from_the_right_document(
    http: httpx.Client, question: str, fact: str, document: str
) -> None:
    body = ask(http, question)
    assert body["found"] is True and fact in str(body["answer"])
    assert document in cited(body)


# Known misses of the learned answer model (issue "Answers that hold on questions nobody tuned for" is
# open): over these seven documents it still quotes something for a topic they never mention.
NOT_YET_REFUSED = pytest.mark.xfail(
    reason="the fitted found model answers this near miss; see `accords eval --folds` figures", strict=False
)


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("What do the agreements say about lunar mining?", marks=NOT_YET_REFUSED),
        "Who won the 2018 football World Cup?",
    ],
)
def test_the_server_refuses_what_the_documents_do_not_say(http: httpx.Client, question: str) -> None:
    body = ask(http, question)
    assert body["found"] is False and body["sentences"] == [] and str(body["answer"]).startswith(NOT_FOUND)
    assert "[1]" not in str(body["answer"])  # the closest passages are listed, not cited


@NOT_YET_REFUSED
def test_the_server_refuses_a_budget_the_documents_do_not_give(http: httpx.Client) -> None:
    body = ask(http, "What was the budget of the Aldermere space agency in 2019?")
    assert body["found"] is False


# The two statements are versions of one another (the revision `supersedes` the original): "original"
# picks the first, no cue picks the revision.
@pytest.mark.parametrize(
    ("question", "fact"),
    [
        (
            "How much investment did the original joint statement set for the Green Hydrogen Corridor?",
            "EUR 1.2 billion",
        ),
        (
            "How many scholarships per year did the original statement announce?",
            "500 university scholarships",
        ),
        ("When was the first Council meeting planned in the original statement?", "September 2024"),
    ],
)
def test_the_original_statement_answers_for_the_original(
    http: httpx.Client, question: str, fact: str
) -> None:
    body = ask(http, question)
    assert fact in str(body["answer"]) and cited(body) == {"aldermere-korvath-joint-statement-v1"}


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("Where will the first meeting of the Strategic Partnership Council take place?", "October 2024"),
        ("How many scholarships per year will Aldermere and Korvath fund?", "750 university scholarships"),
    ],
)
def test_without_a_cue_the_revised_statement_answers(http: httpx.Client, question: str, fact: str) -> None:
    """A superseded text must not answer by default: the revision corrected these figures."""
    body = ask(http, question)
    assert fact in str(body["answer"]) and cited(body) == {"aldermere-korvath-joint-statement-v2-revised"}


# Hard-wrapped text (the Markdown samples): a quote runs to the end of its sentence, across line breaks.
@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("What is the maximum concentration of nitrates at the border?", r"exceed\s+25 milligrams per litre"),
        (
            "Where will the first meeting of the Strategic Partnership Council take place?",
            r"Brenholt in\s+(September|October) 2024",
        ),
    ],
)
def test_a_quote_runs_to_the_end_of_its_sentence(http: httpx.Client, question: str, fact: str) -> None:
    body = ask(http, question)
    assert re.search(fact, str(body["answer"]))


def test_the_herring_quota_comes_from_the_quota_table(http: httpx.Client) -> None:
    body = ask(http, "What is the herring quota for 2025?")
    assert "48,000" in str(body["answer"])


def test_a_follow_up_over_http(http: httpx.Client) -> None:
    first = ask(http, "What is the herring quota for 2025?")
    follow_up = ask(http, "What about mackerel?", conversation_id=first["conversation_id"])
    assert "31,500" in str(follow_up["answer"]) and cited(follow_up) == {"aldermere-tessaly-fisheries-mou"}
    launched = ask(http, "How much will Canada provide under the coastal resilience partnership?")
    when = ask(http, "When was it launched?", conversation_id=launched["conversation_id"])
    assert "June 12, 2024" in str(when["answer"])


def test_filters_over_http(http: httpx.Client) -> None:
    body = ask(
        http,
        "How many scholarships per year will Aldermere and Korvath fund?",
        filters={"date_from": "2024-03-14", "date_to": "2024-03-14"},
    )
    assert "500 university scholarships" in str(body["answer"])
    assert cited(body) == {"aldermere-korvath-joint-statement-v1"}


def test_citations_point_at_the_document_text_over_http(http: httpx.Client) -> None:
    body = check_chat_response(ask(http, "What is the minimum flow at the Keld gauging station?", top_k=3))
    for source in body.sources:
        passage = http.get(
            f"/documents/{source.document_id}/text", params={"start": source.start, "end": source.end}
        )
        assert passage.json()["text"] == source.text


def test_the_stream_over_http(http: httpx.Client) -> None:
    question = {"question": "When will e-invoicing be interoperable?"}
    with http.stream("POST", "/chat/stream", json=question) as response:
        assert response.status_code == 200
        events = parse_sse("".join(response.iter_text()))
    names = [name for name, _ in events]
    assert names[0] == "sources" and names[-1] == "done" and set(names[1:-1]) == {"delta"}
    done = check_chat_response(events[-1][1])
    assert "".join(data["text"] for name, data in events if name == "delta") == done.answer
    assert "1 January 2026" in done.answer


def test_bad_requests_over_http(http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 4096

    for path in ("/chat", "/chat/stream"):
        big = http.post(path, content=chunks(), headers={"content-type": "application/json"})
        assert (big.status_code, big.json()["code"]) == (413, "too_large")
        declared = http.post(
            path, content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"}
        )
        assert (declared.status_code, declared.json()["code"]) == (413, "too_large")
        assert (
            http.post(path, content=b"question=x", headers={"content-type": "text/plain"}).status_code == 415
        )
        assert http.post(path, json={"question": " "}).json()["code"] == "invalid_request"
        assert http.get(path).status_code == 405
    assert http.get("/chat").json() == {"detail": "Method Not Allowed", "code": "method_not_allowed"}


def test_health_ready_and_docs_over_http(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"status": "ok"}
    assert http.get("/ready").json() == {"status": "ready", "documents": 7}
    assert http.get("/docs").status_code == 200
    assert "/chat" in http.get("/openapi.json").json()["paths"]
    assert http.get("/documents").json()["total"] == 7


def test_serve_does_not_start_without_its_chroma_server(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = accords_env(tmp_path / "data", ACCORDS_RATE_LIMIT_IP="off", ACCORDS_CHROMA_URL=url)
    with ServiceProcess(tmp_path / "serve.log", env) as server:
        deadline = time.monotonic() + 120
        while server.process.poll() is None:
            assert time.monotonic() < deadline, "accords serve kept running without its store"
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{server.url}/ready", timeout=1)  # never ready
            time.sleep(0.25)
    assert server.process.returncode != 0
    log = server.log.read_text(errors="replace")
    assert url in log and "Application startup failed" in log


# ------------------------------------------------------------------------ accords ask / accords eval


def test_ask_json(real_sample_data: Path) -> None:
    result = run_accords(
        real_sample_data, "ask", "What is the minimum flow at the Keld gauging station?", "--json"
    )
    assert result.returncode == 0, result.stderr
    response = check_chat_response(json.loads(result.stdout))
    assert response.found and "42 cubic metres per second" in response.answer
    assert response.sources[0].document_id == "northwater-basin-treaty"


def test_ask_prints_the_answer_and_numbered_sources(real_sample_data: Path) -> None:
    result = run_accords(
        real_sample_data, "ask", "How much will Canada provide under the coastal resilience partnership?"
    )
    assert result.returncode == 0, result.stderr
    answer, listing = result.stdout.split("\n[1] ", 1)
    assert "CAD $420 million" in answer and "[1]" in answer
    sources = ("[1] " + listing).strip().splitlines()
    assert [line.split("]")[0] for line in sources] == [f"[{n}" for n in range(1, len(sources) + 1)]
    assert sources[0].startswith("[1] Fact Sheet: Canada–Aldermere Partnership for Coastal Resilience")
    assert (
        "(2024-06-12, https://www.example.org/fact-sheets/canada-aldermere-coastal-resilience)" in sources[0]
    )


def test_ask_exits_with_4_when_the_store_is_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_accords(tmp_path / "data", "ask", "What is PGII?", ACCORDS_CHROMA_URL=url)
    assert result.returncode == 4 and url in result.stderr and "Traceback" not in result.stderr


def test_eval_json_over_the_samples_qa_file(real_sample_data: Path) -> None:
    result = run_accords(real_sample_data, "eval", str(SAMPLES_QA), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == METRICS | {"by_type", "questions_detail"}
    assert set(report["by_type"]) == {
        "factoid",
        "paraphrase",
        "date",
        "list",
        "version",
        "followup",
        "unanswerable",
    }
    assert all(set(metrics) == METRICS for metrics in report["by_type"].values())
    assert report["questions"] == 11
    # Floors with room for the version question (see above) and one more miss, so tuning does not flake.
    assert report["doc_hit_at_k"] >= 0.8 and report["evidence_hit_at_k"] >= 0.7
    assert report["answer_hit"] >= 0.7 and report["false_refusal_rate"] <= 0.2
    assert report["refusal_rate_unanswerable"] >= 0.5
    assert report["by_type"]["followup"]["answer_hit"] == 1.0
    assert 0 < report["latency_p50_ms"] <= report["latency_p95_ms"]
