"""`accords eval`: questions with known answers run through the responder, as `/chat` answers them, and the
answers measured (document, evidence and answer hits, refusals, valid citations, latency), per question
type; `accords tune` fits the answer model on such questions. `service.cli` adds both commands with
`register`."""

from __future__ import annotations

from service.evaluation.cli import Runtimes, register
from service.evaluation.folds import cross_validate, tune
from service.evaluation.run import EvalFileError, Outcome, evaluate, judge, load_questions, summarize

__all__ = [
    "EvalFileError",
    "Outcome",
    "Runtimes",
    "cross_validate",
    "evaluate",
    "judge",
    "load_questions",
    "register",
    "summarize",
    "tune",
]
