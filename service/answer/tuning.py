"""Fitting the answer model (`accords tune`) and judging it fairly (`accords eval --folds`).

The training rows come from questions with known answers (a QA file in the `dev-qa.jsonl` format), asked
against the store with the service's own retrieval: a candidate sentence is a positive when it lies in an
answering document and contains one of the gold answer strings. Everything is fitted with scikit-learn's
logistic regression (lbfgs, fixed settings: the same rows always give the same file) and stored as plain
numbers (`service.answer.model`).

Cross-validation keeps documents apart: the folds are groups of documents (an unanswerable question
belongs to the document it is near, `about_doc`, or to a group of its own), so a question about a
document is never judged by a model that learned from another question about the same document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from service.answer.features import SHAPES, Features, Matrix, opening, sentence_features, shape
from service.answer.model import AnswerModel, Logistic, Support, select
from service.retrieval.hybrid import Retrieval

MIN_OPENING_COUNT = 4  # an opening word must start at least this many training questions to be crossed
_C_SENTENCE, _C_FOUND = 0.3, 0.5  # inverse regularisation strengths (fixed, not searched per run)
_PROBABILITY_GRID = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
_RATIO_GRID = (0.3, 0.5, 0.7, 0.85, 1.0)
_COUNT_GRID = (1, 2, 3, 4, 6)
# How the fitted decisions weigh their errors (chosen once, from the cross-validated training figures):
# quoted support is judged by F2 (finding the answering sentence matters more than one extra quote), and
# the found threshold counts a false refusal twice a wrong answer to an unanswerable question. Measured on
# train, 5 folds by document: weight 1 refused 0.64 of unanswerables but 0.37 of answerables (answer_hit
# 0.46); weight 2: 0.50 and 0.11 (answer_hit 0.66); weight 4: 0.28 and 0.08 (0.66).
SUPPORT_BETA = 2.0
ANSWER_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Asked:
    """One question of the QA file, as the service retrieved it."""

    item: dict[str, Any]
    retrieval: Retrieval
    top_k: int

    @property
    def synthetic(self) -> bool:
        """A made-up refusal: a training question asked of every document but those that answer it."""
        return bool(self.item.get("synthetic"))

    @property
    def answerable(self) -> bool:
        return bool(self.item.get("doc"))

    @property
    def group(self) -> str:
        return str(self.item.get("doc") or self.item.get("about_doc") or f"none:{self.item.get('id')}")

    def relevant(self, features: Features) -> np.ndarray:
        gold = {self.item.get("doc"), *(self.item.get("also_docs") or [])} - {None}
        answers = [a.lower() for a in self.item.get("answers") or []] if gold else []
        return np.asarray(
            [
                ref.candidate.chunk.doc_id in gold and any(a in ref.text.lower() for a in answers)
                for ref in features.sentences
            ],
            dtype=bool,
        )


def question_words(asked: Sequence[Asked]) -> tuple[str, ...]:
    counts = Counter(word for a in asked for word in set(opening(a.retrieval.question)))
    return tuple(sorted(word for word, n in counts.items() if n >= MIN_OPENING_COUNT))


def featurize(asked: Sequence[Asked], idf: Callable[[str], float], model: AnswerModel) -> list[Features]:
    return [
        sentence_features(
            a.retrieval.candidates[: a.top_k],
            a.retrieval.question,
            idf,
            model.expected_shapes(a.retrieval.question),
        )
        for a in asked
    ]


def fit(asked: Sequence[Asked], idf: Callable[[str], float], provenance: dict[str, Any]) -> AnswerModel:
    """The whole model, in order: answer types, then sentences, then found, then the support rule."""
    words = question_words(asked)
    typed = _with_answer_type(words, asked, provenance)
    return fit_features(asked, featurize(asked, idf, typed), typed)


def _with_answer_type(
    words: Sequence[str], asked: Sequence[Asked], provenance: dict[str, Any]
) -> AnswerModel:
    """A model holding only the fitted answer-type part (the rest are placeholders until fitted)."""
    answerable = [a for a in asked if a.answerable]
    bags = np.asarray(
        [[word in set(opening(a.retrieval.question)) for word in words] for a in answerable], dtype=np.float64
    ).reshape(len(answerable), len(words))
    shapes = np.asarray([shape(" ".join(a.item["answers"][:1])) for a in answerable]) > 0.5
    types = tuple(_logistic(bags, shapes[:, j], 1.0, balanced=False) for j in range(len(SHAPES)))
    empty = Logistic(np.zeros(1), np.ones(1), np.zeros(1), 0.0)
    return AnswerModel(tuple(words), types, empty, empty, 0.5, Support(1.0, 1.0, 1), provenance)


def fit_features(asked: Sequence[Asked], features: Sequence[Features], typed: AnswerModel) -> AnswerModel:
    """The sentence and found models and the support rule, given features computed with `typed`."""
    real = np.asarray([not a.synthetic for a in asked], dtype=bool)
    rows = np.vstack([f.matrix for f, keep in zip(features, real, strict=True) if keep])
    labels = np.concatenate([a.relevant(f) for a, f, keep in zip(asked, features, real, strict=True) if keep])
    sentence = _logistic(rows, labels, _C_SENTENCE, balanced=True)
    probabilities = [sentence.probability(f.matrix) for f in features]
    found_rows = np.vstack(
        [typed.found_row(f.question, p) for f, p in zip(features, probabilities, strict=True)]
    )
    answerable = np.asarray([a.answerable for a in asked], dtype=bool)
    # Synthetic refusals together weigh as much as the real unanswerable questions.
    weights = np.ones(len(asked))
    if (~real).any():
        weights[~real] = max(int((real & ~answerable).sum()), 1) / int((~real).sum())
    found = _logistic(found_rows, answerable, _C_FOUND, balanced=True, weights=weights, signs=FOUND_SIGNS)
    threshold = _balanced_threshold(found.probability(found_rows)[real], answerable[real])
    support = _fit_support(asked, features, probabilities)
    return replace(typed, sentence=sentence, found=found, found_threshold=threshold, support=support)


# The direction each found feature may push (+1 towards "found", -1 against, 0 free): more of the question
# missing from the passages never makes an answer more likely, closer passages and better sentences never
# make it less likely. Without these the model, which has seen only near-miss questions, learned the
# opposite sign for the missing share and answered "the price of tea on the moon" with a quote.
FOUND_SIGNS = (-1, -1, -1, -1, +1, +1, +1, +1, 0, +1)


def _logistic(
    rows: Matrix,
    labels: np.ndarray,
    c: float,
    balanced: bool,
    weights: np.ndarray | None = None,
    signs: Sequence[int] | None = None,
) -> Logistic:
    from sklearn.linear_model import LogisticRegression

    if labels.all() or not labels.any():  # one class only: a constant probability
        share = min(max(float(labels.mean()) if labels.size else 0.5, 1e-3), 1 - 1e-3)
        width = rows.shape[1]
        return Logistic(np.zeros(width), np.ones(width), np.zeros(width), float(np.log(share / (1 - share))))
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    sample = np.ones(len(labels)) if weights is None else weights
    if balanced:  # each class weighs the same in all
        for value in (True, False):
            sample = np.where(labels == value, sample / sample[labels == value].sum(), sample)
        sample = sample * len(labels) / 2.0
    if signs is not None:
        coef, intercept = _signed_logistic((rows - mean) / scale, labels, sample, c, signs)
        return Logistic(mean, scale, coef, intercept)
    model = LogisticRegression(C=c, max_iter=2000, solver="lbfgs").fit(
        (rows - mean) / scale, labels, sample_weight=sample
    )
    return Logistic(mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))


def _signed_logistic(
    x: Matrix, labels: np.ndarray, sample: np.ndarray, c: float, signs: Sequence[int]
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression whose coefficients keep the given signs (scipy's L-BFGS-B with
    bounds; the same loss as scikit-learn's: C times the weighted log loss plus half the squared norm)."""
    from scipy.optimize import minimize

    y = labels.astype(np.float64)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        log_loss = np.sum(sample * (np.logaddexp(0.0, z) - y * z))
        gradient_z = sample * (p - y)
        gradient = np.concatenate([c * (x.T @ gradient_z) + w, [c * gradient_z.sum()]])
        return float(c * log_loss + 0.5 * w @ w), gradient

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs]
    result = minimize(
        loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=[*bounds, (None, None)]
    )
    return np.asarray(result.x[:-1], dtype=np.float64), float(result.x[-1])


def _balanced_threshold(probability: np.ndarray, answerable: np.ndarray) -> float:
    """The cut that best separates answerable from unanswerable questions (weighted accuracy)."""
    best, chosen = -1.0, 0.0
    for cut in np.unique(np.round(probability, 3)):
        found = probability >= cut
        score = (
            found[answerable].mean() * ANSWER_WEIGHT + (~found[~answerable]).mean()
            if (~answerable).any()
            else 0.0
        )
        if score > best:
            best, chosen = score, float(cut)
    return chosen


def _fit_support(
    asked: Sequence[Asked], features: Sequence[Features], probabilities: Sequence[np.ndarray]
) -> Support:
    """The floor, share and count that best match the quoted sentences to the answering ones (mean F1
    over the answerable questions)."""
    best, chosen = -1.0, Support(0.5, 0.85, 3)
    for floor in _PROBABILITY_GRID:
        for ratio in _RATIO_GRID:
            for count in _COUNT_GRID:
                rule = Support(floor, ratio, count)
                scores = [
                    _f1(select(f, p, rule), a.relevant(f))
                    for a, f, p in zip(asked, features, probabilities, strict=True)
                    if a.answerable
                ]
                score = float(np.mean(scores)) if scores else 0.0
                if score > best + 1e-9:
                    best, chosen = score, rule
    return chosen


def _f1(chosen: list[int], relevant: np.ndarray) -> float:
    """F-beta of the quoted sentences against the answering ones (beta > 1 weighs recall more)."""
    hits = sum(bool(relevant[i]) for i in chosen)
    total = int(relevant.sum())
    if not hits:
        return 0.0
    precision, recall = hits / len(chosen), hits / total
    beta2 = SUPPORT_BETA**2
    return (1 + beta2) * precision * recall / (beta2 * precision + recall)


def folds(asked: Sequence[Asked], count: int) -> list[np.ndarray]:
    """Question indexes of each fold, documents kept apart, balanced by size (deterministic)."""
    groups = Counter(a.group for a in asked)
    load = [0] * count
    fold_of: dict[str, int] = {}
    for group, size in sorted(groups.items(), key=lambda g: (-g[1], g[0])):
        target = min(range(count), key=lambda f: (load[f], f))
        fold_of[group] = target
        load[target] += size
    return [np.asarray([i for i, a in enumerate(asked) if fold_of[a.group] == f]) for f in range(count)]
