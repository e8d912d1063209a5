"""`service.evaluation`: reading a QA file, running it through the /chat code path, and the report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import HashingEmbedder
from service.evaluation import EvalFileError, Outcome, judge, load_questions, summarize
from service.runtime import open_runtime
from tests.service.checks import CheckedResponder
from tests.service.conftest import service_settings

SAMPLES_QA = Path(__file__).parent / "data" / "samples-qa.jsonl"
METRICS = {
    "questions",
    "doc_hit_at_k",
    "evidence_hit_at_k",
    "answer_hit",
    "refusal_rate_unanswerable",
    "false_refusal_rate",
    "citations_valid",
    "latency_p50_ms",
    "latency_p95_ms",
}


@pytest.fixture
def engine(sample_data: Path, fake: HashingEmbedder) -> CheckedResponder:
    """The samples' engine, checking (and recording) every answer it gives."""
    return CheckedResponder(open_runtime(service_settings(sample_data), fake).responder)


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


# ------------------------------------------------------------------------------------- the file


def test_the_bundled_qa_files_load() -> None:
    questions = load_questions(SAMPLES_QA)
    assert len(questions) == 11
    assert {q["type"] for q in questions} >= {"factoid", "followup", "unanswerable", "version", "list"}


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, {"question": "What is PGII?"}, "", "   ", {"question": "When?", "doc": None})
    assert [q["question"] for q in load_questions(path)] == ["What is PGII?", "When?"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "needs an object with a 'question' string"),
        ({"query": "What is PGII?"}, "needs an object with a 'question' string"),
        ({"question": 7}, "needs an object with a 'question' string"),
        ({"question": "  "}, "needs an object with a 'question' string"),
        ({"question": "q" * 2001}, "needs an object with a 'question' string"),
        ({"question": "What?", "answers": "42"}, "'answers' must be a list of strings"),
        ({"question": "What?", "answers": [42]}, "'answers' must be a list of strings"),
        ({"question": "What?", "doc": ["a"]}, "'doc' must be a string or null"),
        ({"question": "What?", "also_docs": "a"}, "'also_docs' must be a list of strings"),
        ({"question": "What?", "history": "What before?"}, "'history' must be a list of objects"),
        ({"question": "What?", "history": [{"q": "x"}]}, "'history' must be a list of objects"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_number(tmp_path: Path, line: object, message: str) -> None:
    path = write(tmp_path, {"question": "What is PGII?"}, line)
    with pytest.raises(EvalFileError, match=message) as raised:
        load_questions(path)
    assert f"{path}:2:" in str(raised.value)


def test_an_unreadable_file_is_an_eval_file_error(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")
    with pytest.raises(EvalFileError, match="cannot read"):
        load_questions(tmp_path)  # a folder
    binary = tmp_path / "qa.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(EvalFileError, match="not UTF-8"):
        load_questions(binary)


# -------------------------------------------------------------------------------------- the run


def test_every_question_goes_through_the_chat_code_path(engine: CheckedResponder) -> None:
    questions = load_questions(SAMPLES_QA)
    outcomes = engine.evaluate(questions, k=5)
    assert [o.id for o in outcomes] == [q["id"] for q in questions]
    asked = engine.asked
    assert len(asked) == len(questions) + 1  # the follow-up's history is asked first
    assert all(request.top_k == 5 for request, _ in asked)
    by_id = {o.id: o for o in outcomes}
    assert by_id["s02"].answerable and by_id["s02"].doc_hit and by_id["s02"].answer_hit
    assert not by_id["s10"].answerable and not by_id["s10"].doc_hit and not by_id["s10"].answer_hit


def test_a_follow_up_is_asked_in_the_conversation_of_its_history(engine: CheckedResponder) -> None:
    item = {
        "id": "f",
        "type": "followup",
        "question": "What about mackerel?",
        "answers": ["31,500"],
        "doc": "aldermere-tessaly-fisheries-mou",
        "history": [{"question": "What is the herring quota for 2025?"}, {"question": "Who signed it?"}],
    }
    (outcome,) = engine.evaluate([item], k=3)
    asked = engine.asked
    assert [request.question for request, _ in asked] == [
        "What is the herring quota for 2025?",
        "Who signed it?",
        "What about mackerel?",
    ]
    first_id = asked[0][1].conversation_id
    assert asked[0][0].conversation_id is None
    assert [request.conversation_id for request, _ in asked[1:]] == [first_id, first_id]
    assert outcome.answer_hit and "31,500" in outcome.answer


def test_hits_are_counted_within_k(engine: CheckedResponder) -> None:
    item = {"question": "What is the minimum flow at the Keld gauging station?", "answers": ["42 CUBIC"]}
    wrong_doc = {**item, "doc": "aldermere-coastal-resilience-fact-sheet"}
    (right,) = engine.evaluate([{**item, "doc": "northwater-basin-treaty"}], k=1)
    assert (right.doc_hit, right.evidence_hit, right.answer_hit) == (True, True, True)  # case-insensitive
    (wrong,) = engine.evaluate([wrong_doc], k=1)
    assert (wrong.doc_hit, wrong.evidence_hit) == (False, False)
    (also,) = engine.evaluate([{**wrong_doc, "also_docs": ["northwater-basin-treaty"]}], k=1)
    assert also.doc_hit and also.evidence_hit


# ------------------------------------------------------------------------------------ the report


def outcome(type_: str, answerable: bool, hit: bool, found: bool, seconds: float) -> Outcome:
    return Outcome("x", type_, answerable, hit, hit, hit, found, seconds, "")


def test_the_report_has_every_metric_overall_and_by_type() -> None:
    outcomes = [
        outcome("factoid", True, True, True, 0.1),
        outcome("factoid", True, False, False, 0.2),  # a false refusal
        outcome("factoid", True, True, True, 0.3),
        outcome("factoid", True, False, True, 0.4),
        outcome("unanswerable", False, False, False, 0.5),  # refused, rightly
        outcome("unanswerable", False, False, True, 1.5),  # answered anyway
    ]
    report = summarize(outcomes)
    assert set(report) == METRICS | {"by_type"}
    assert report["questions"] == 6
    assert (report["doc_hit_at_k"], report["evidence_hit_at_k"], report["answer_hit"]) == (0.5, 0.5, 0.5)
    assert report["refusal_rate_unanswerable"] == 0.5
    assert report["false_refusal_rate"] == 0.25
    assert report["latency_p50_ms"] == 350.0
    assert report["latency_p95_ms"] == 1250.0
    assert set(report["by_type"]) == {"factoid", "unanswerable"}
    factoid: dict[str, Any] = report["by_type"]["factoid"]
    assert set(factoid) == METRICS and factoid["refusal_rate_unanswerable"] is None
    unanswerable: dict[str, Any] = report["by_type"]["unanswerable"]
    assert unanswerable["answer_hit"] is None and unanswerable["refusal_rate_unanswerable"] == 0.5


def test_a_citation_counts_as_valid_only_when_it_names_a_listed_source() -> None:
    item = {"question": "q", "answers": ["x"], "doc": "d"}
    listed = [("d", "x"), ("e", "y")]
    assert judge(item, listed, True, "X is so. [1] And y. [2]", 0.0, 5).citations_valid
    assert not judge(item, listed, True, "X is so. [3]", 0.0, 5).citations_valid  # only two listed
    assert not judge(item, listed, True, "X is so. [0]", 0.0, 5).citations_valid
    assert not judge(item, listed, True, "X is so. [2]", 0.0, 1).citations_valid  # beyond k
    assert judge(item, listed, False, "Not in the documents.", 0.0, 5).citations_valid
    assert not judge(item, listed, False, "Not in the documents. [1]", 0.0, 5).citations_valid  # a refusal
    report = summarize(
        [judge(item, listed, True, "X. [1]", 0.0, 5), judge(item, listed, True, "X. [9]", 0.0, 5)]
    )
    assert report["citations_valid"] == 0.5


def test_an_empty_run_reports_nothing_rather_than_failing() -> None:
    report = summarize([])
    assert report["questions"] == 0 and report["by_type"] == {}
    assert all(report[key] is None for key in METRICS - {"questions"})
