"""What `accords eval` prints: the metrics table by question type, then every miss, or each outcome as JSON.

The misses are listed in full (question, expected, what was said) because reading them is how a regression is
understood; the table alone says only that one happened.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

from rich.console import Console
from rich.table import Table

from service.evaluation.run import Outcome

COLUMNS = [
    ("questions", "n"),
    ("doc_hit_at_k", "doc_hit@k"),
    ("evidence_hit_at_k", "evidence_hit@k"),
    ("answer_hit", "answer_hit"),
    ("refusal_rate_unanswerable", "refusal(unans.)"),
    ("false_refusal_rate", "false_refusal"),
    ("citations_valid", "citations_valid"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
]


def print_report(report: dict[str, object]) -> None:
    """One row for all questions, then one per question type; "–" where a metric does not apply."""
    table = Table("type", *(label for _, label in COLUMNS), box=None)
    rows = [("all", report), *dict(report["by_type"]).items()]  # type: ignore[call-overload]
    for name, metrics in rows:
        table.add_row(name, *("–" if metrics.get(key) is None else str(metrics[key]) for key, _ in COLUMNS))
    Console(width=150).print(table)


def print_misses(outcomes: list[Outcome]) -> None:
    """Every question answered wrongly or refused wrongly: the question, what was expected, what was said."""
    console = Console(soft_wrap=True)
    misses = [
        o
        for o in outcomes
        if (o.answerable and not o.answer_hit) or (not o.answerable and o.found) or not o.citations_valid
    ]
    if misses:
        console.print(f"\n{len(misses)} misses:", highlight=False)
    for outcome in misses:
        expected = " | ".join(outcome.expected) if outcome.answerable else "(not in the documents)"
        console.print(f"- [{outcome.type}] {outcome.id}: {outcome.question}", highlight=False, markup=False)
        console.print(f"    expected: {expected}", highlight=False, markup=False)
        console.print(f"    said:     {outcome.answer[:300]}", highlight=False, markup=False)
        if not outcome.citations_valid:
            console.print("    a citation names no listed source", highlight=False, markup=False)


def as_dict(outcome: object) -> dict[str, object]:
    """An outcome as the `questions_detail` entry of `--json`."""
    return asdict(outcome) if is_dataclass(outcome) and not isinstance(outcome, type) else {}
