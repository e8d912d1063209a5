"""`accords eval`: run a QA file through the responder `/chat` uses and measure the answers.

The file has one JSON object a line: `question`, `answers` (gold strings), `doc` (the answering
document, null when unanswerable), `also_docs`, `type`, and for follow-ups `history` (earlier turns,
asked first in the same conversation, exactly as a client would).
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from service.schemas import ChatRequest

if TYPE_CHECKING:
    from service.chat import Responder


@dataclass(frozen=True, slots=True)
class Outcome:
    id: str
    type: str
    answerable: bool
    doc_hit: bool
    evidence_hit: bool
    answer_hit: bool
    found: bool
    seconds: float
    answer: str
    question: str = ""
    expected: tuple[str, ...] = ()
    citations_valid: bool = True  # every [n] names a listed source, and a refusal cites none


class EvalFileError(ValueError):
    """The QA file cannot be read; the message says where."""


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise EvalFileError(f"cannot read {path}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise EvalFileError(f"cannot read {path}: not UTF-8 text ({err.reason})") from err
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise EvalFileError(f"{path}:{number}: not JSON ({err.msg})") from err
        if not isinstance(item, dict) or not _is_question(item.get("question")):
            raise EvalFileError(f"{path}:{number}: needs an object with a 'question' string (1-2000 chars)")
        problem = _shape_problem(item)
        if problem:
            raise EvalFileError(f"{path}:{number}: {problem}")
        questions.append(item)
    return questions


def _is_question(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= 2000


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(entry, str) for entry in value)


def _shape_problem(item: dict[str, Any]) -> str | None:
    """What would otherwise crash the run or silently skew a metric (a string of answers is iterable)."""
    if item.get("answers") is not None and not _is_strings(item["answers"]):
        return "'answers' must be a list of strings"
    if item.get("doc") is not None and not isinstance(item["doc"], str):
        return "'doc' must be a string or null"
    if item.get("also_docs") is not None and not _is_strings(item["also_docs"]):
        return "'also_docs' must be a list of strings"
    history = item.get("history")
    if history is not None and not (
        isinstance(history, list)
        and all(isinstance(turn, dict) and _is_question(turn.get("question")) for turn in history)
    ):
        return "'history' must be a list of objects with a 'question' string"
    return None


async def evaluate(responder: Responder, questions: Iterable[dict[str, Any]], k: int) -> list[Outcome]:
    """Each question through the responder, as `/chat` answers it (the LLM too, when one is configured)."""
    return [await _evaluate_one(responder, item, k) for item in questions]


async def _evaluate_one(responder: Responder, item: dict[str, Any], k: int) -> Outcome:
    conversation_id = None
    for turn in item.get("history") or []:
        earlier = await responder.respond(
            ChatRequest(question=turn["question"], conversation_id=conversation_id, top_k=k)
        )
        conversation_id = earlier.conversation_id
    began = time.perf_counter()
    response = await responder.respond(
        ChatRequest(question=item["question"], conversation_id=conversation_id, top_k=k)
    )
    seconds = time.perf_counter() - began
    sources = [(source.document_id, source.text) for source in response.sources]
    return judge(item, sources, response.found, response.answer, seconds, k)


def judge(
    item: dict[str, Any], sources: list[tuple[str, str]], found: bool, answer: str, seconds: float, k: int
) -> Outcome:
    """How an answer (and its listed sources: document id, passage text) measures against the gold."""
    gold_docs = {item["doc"], *(item.get("also_docs") or [])} if item.get("doc") else set()
    answers = [gold.lower() for gold in item.get("answers") or []]
    return Outcome(
        id=str(item.get("id", "")),
        type=str(item.get("type", "unknown")),
        answerable=bool(gold_docs),
        doc_hit=any(doc in gold_docs for doc, _ in sources[:k]),
        evidence_hit=any(
            doc in gold_docs and any(a in text.lower() for a in answers) for doc, text in sources[:k]
        ),
        answer_hit=found and any(a in answer.lower() for a in answers),
        found=found,
        seconds=seconds,
        answer=answer,
        question=str(item.get("question", "")),
        expected=tuple(item.get("answers") or ()),
        citations_valid=citations_valid(answer, found, len(sources[:k])),
    )


_MARKER = re.compile(r"\[(\d+)\]")


def citations_valid(answer: str, found: bool, sources: int) -> bool:
    """Whether every "[n]" of the answer is one of its `sources` (1..n) and a refusal cites nothing: a
    reader who follows a citation must find the passage it names."""
    cited = [int(number) for number in _MARKER.findall(answer)]
    if not found:
        return not cited
    return all(1 <= number <= sources for number in cited)


def summarize(outcomes: list[Outcome]) -> dict[str, Any]:
    report = _metrics(outcomes)
    by_type: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_type[outcome.type].append(outcome)
    report["by_type"] = {kind: _metrics(items) for kind, items in sorted(by_type.items())}
    return report


def _metrics(outcomes: list[Outcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    seconds = [o.seconds for o in outcomes]

    def rate(items: list[Outcome], hit: str) -> float | None:
        return round(sum(bool(getattr(o, hit)) for o in items) / len(items), 3) if items else None

    return {
        "questions": len(outcomes),
        "doc_hit_at_k": rate(answerable, "doc_hit"),
        "evidence_hit_at_k": rate(answerable, "evidence_hit"),
        "answer_hit": rate(answerable, "answer_hit"),
        "refusal_rate_unanswerable": (
            round(sum(not o.found for o in unanswerable) / len(unanswerable), 3) if unanswerable else None
        ),
        "false_refusal_rate": (
            round(sum(not o.found for o in answerable) / len(answerable), 3) if answerable else None
        ),
        "citations_valid": rate(outcomes, "citations_valid"),
        "latency_p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 1) if seconds else None,
        "latency_p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1) if seconds else None,
    }
