"""The chat engine over the shared corpus (74 real documents, ../shared/corpus), with the bundled model.

Floors, not targets: low enough that tuning does not make them flaky, high enough that a regression in
retrieval or answering fails. Every answer (history turns included) is checked by `check_chat_response`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.embedders import Embedder
from service.evaluation import load_questions, summarize
from service.runtime import open_runtime
from service.schemas import ChatRequest
from tests.conftest import IngestedCorpus
from tests.service.checks import CheckedResponder
from tests.service.conftest import service_settings

pytestmark = [pytest.mark.slow, pytest.mark.corpus]


@pytest.fixture(scope="module")
def engine(ingested_corpus: IngestedCorpus, real_embedder: Embedder) -> Iterator[CheckedResponder]:
    runtime = open_runtime(service_settings(ingested_corpus.data_dir), real_embedder)
    runtime.view.wait_for_lexical()
    yield CheckedResponder(runtime.responder)


def test_the_dev_questions_clear_the_floors(engine: CheckedResponder, shared_corpus: Path) -> None:
    questions = load_questions(shared_corpus / "dev-qa.jsonl")
    outcomes = engine.evaluate(questions, k=5)
    report = summarize(outcomes)
    misses = [(o.id, o.type, o.answer[:100]) for o in outcomes if o.answerable and not o.answer_hit]
    assert report["evidence_hit_at_k"] >= 0.9, misses
    # Floors for the learned answer model (measured 0.778 and 0/3 refused at this revision; the old,
    # dev-fitted rules had 0.889 and 3/3): refusing dev's near misses is an open goal of the answer model.
    assert report["answer_hit"] >= 0.75, misses
    assert report["false_refusal_rate"] <= 0.04
    assert len(engine.asked) == len(questions) + sum(len(q.get("history") or []) for q in questions)


@pytest.mark.parametrize(
    ("question", "heading"),
    [
        ("What does Article 605 of NAFTA provide about export measures?", "ARTICLE 605"),
        ("What does NAFTA Article 603 say about import and export restrictions?", "ARTICLE 603"),
    ],
)
def test_an_article_number_finds_its_article(engine: CheckedResponder, question: str, heading: str) -> None:
    response = engine.chat(ChatRequest(question=question))
    assert response.found
    assert heading in (response.sources[0].heading or "")
    assert response.sources[0].document_id == "056-nafta-chapter-06-energy-1992"


def test_an_acronym_finds_what_it_stands_for(engine: CheckedResponder) -> None:
    response = engine.chat(ChatRequest(question="What is PGII?"))
    assert response.found and "Partnership for Global Infrastructure and Investment" in response.answer
    assert "PGII" in response.sources[0].text
