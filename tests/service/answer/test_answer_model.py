"""The learned answer model: fitted deterministically, applied without scikit-learn, judged by folds that
keep documents apart, and its quotes tidied without losing their place in the source."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from harness import HashingEmbedder
from service.answer.extractive import NOT_FOUND, compose, tidy
from service.answer.model import MODEL_FILE, AnswerModel
from service.answer.tuning import fit, folds
from service.evaluation import load_questions
from service.evaluation.folds import answer_with, ask_all
from service.runtime import close_runtime, open_runtime
from tests.service.conftest import service_settings

SAMPLES_QA = Path(__file__).parents[1] / "data" / "samples-qa.jsonl"


@pytest.fixture(scope="module")
def asked(sample_data: Path, fake: HashingEmbedder) -> tuple[object, list[object]]:
    runtime = open_runtime(service_settings(sample_data), fake, answer_model=AnswerModel.untrained())
    runtime.view.wait_for_lexical()
    return runtime, ask_all(runtime.engine, load_questions(SAMPLES_QA), 5)


def test_the_same_questions_fit_the_same_model(asked: tuple[object, list[object]]) -> None:
    runtime, questions = asked
    idf = runtime.view.lexical.idf  # type: ignore[attr-defined]
    first = fit(questions, idf, {"run": 1}).to_json()  # type: ignore[arg-type]
    second = fit(questions, idf, {"run": 1}).to_json()  # type: ignore[arg-type]
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_a_saved_model_answers_as_the_fitted_one(asked: tuple[object, list[object]], tmp_path: Path) -> None:
    runtime, questions = asked
    model = fit(questions, runtime.view.lexical.idf, {})  # type: ignore[arg-type, attr-defined]
    model.save(tmp_path / "model.json")
    loaded = AnswerModel.load(tmp_path / "model.json")
    engine = runtime.engine  # type: ignore[attr-defined]

    def said(chosen: AnswerModel) -> list[tuple[bool, str]]:
        return [(o.found, o.answer) for o in answer_with(chosen, engine, questions)]  # type: ignore[arg-type]

    assert said(model) == said(loaded)


def test_the_untrained_model_finds_nothing_but_lists_the_closest_passages(
    asked: tuple[object, list[object]],
) -> None:
    runtime, questions = asked
    outcomes = answer_with(AnswerModel.untrained(), runtime.engine, questions)  # type: ignore[arg-type, attr-defined]
    assert not any(o.found for o in outcomes)
    assert all(o.answer.startswith(NOT_FOUND) for o in outcomes)
    assert any(o.doc_hit for o in outcomes if o.answerable), "a refusal still shows where to look"


def test_folds_keep_every_document_on_one_side(asked: tuple[object, list[object]]) -> None:
    _, questions = asked
    parts = folds(questions, 3)  # type: ignore[arg-type]
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(questions)))
    seen: dict[str, int] = {}
    for number, part in enumerate(parts):
        for index in part:
            group = questions[int(index)].group  # type: ignore[attr-defined]
            assert seen.setdefault(group, number) == number


def test_the_shipped_model_loads_and_says_how_it_was_made() -> None:
    model = AnswerModel.load(MODEL_FILE)
    assert model.provenance["command"].startswith("accords tune")
    assert 0.0 < model.found_threshold < 1.0 and model.support.max_sentences >= 1
    assert len(model.sentence.coef) == len(model.sentence.mean)


def test_quotes_read_on_one_line_without_heading_marks_or_the_documents_own_notes() -> None:
    passage = "## Article 5\nThe Parties shall meet\nonce a year.[6] The Commission reports [2] to them."
    start = passage.index("The Parties")
    end = passage.index("[6]") + 3
    assert tidy(passage[start:end]) == "The Parties shall meet once a year."
    assert tidy("# Scope") == "Scope"


def test_every_marker_in_a_composed_answer_is_a_listed_source() -> None:
    quotes = [(tidy("Funding rose.[12]"), (1,), None), (tidy("See note [3] here."), (2,), None)]
    text, sentences = compose(quotes)
    assert sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)}) == [1, 2]
    assert "See note (3) here." in text
    assert [text[s.start : s.end].rstrip()[-3:] for s in sentences] == ["[1]", "[2]"]


def test_a_model_fitted_on_other_vectors_is_named_at_start(
    sample_data: Path, fake: HashingEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    """The semantic features are similarities at one embedding model's scale: a service whose store uses
    another model says so in its log, naming the fix."""
    model = replace(AnswerModel.untrained(), provenance={"embedding_model": "some/other-model"})
    with caplog.at_level(logging.WARNING, logger="service.runtime"):
        close_runtime(open_runtime(service_settings(sample_data), fake, answer_model=model))
    said = [r.getMessage() for r in caplog.records if r.name == "service.runtime"]
    assert any("some/other-model" in m and fake.model_name in m and "accords tune" in m for m in said)
    assert replace(model, provenance={"embedding_model": fake.model_name}).mismatch(fake.model_name) is None
    assert AnswerModel.untrained().mismatch(fake.model_name) is None  # no provenance: nothing to compare
