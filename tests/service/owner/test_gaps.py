"""The unanswered-questions report: grouping by meaning, the examples, the reasons, the dates, the
closest documents; with the deterministic embedder, and once with the real model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness import HashingEmbedder
from ingest.embedders import Embedder
from ingest.store import open_store
from service.owner import DocumentRef, GapQuestion, closest_documents, gaps_report
from tests.service.conftest import service_settings

START = datetime(2026, 3, 1, tzinfo=UTC)


def asked(question: str, day: int, not_found: bool = True, thumbs_down: bool = False) -> GapQuestion:
    return GapQuestion(f"id-{day}-{question}", question, START + timedelta(days=day), not_found, thumbs_down)


def nowhere(_vector: object) -> list[DocumentRef]:
    return []


def test_no_question_no_group() -> None:
    report = gaps_report([], HashingEmbedder(), nowhere)
    assert (report.questions, report.clusters) == (0, [])


def test_one_question_is_one_group() -> None:
    report = gaps_report([asked("Who dredges the harbour?", 1)], HashingEmbedder(), nowhere)
    assert [(c.size, c.examples) for c in report.clusters] == [(1, ["Who dredges the harbour?"])]


def test_questions_alike_are_grouped_largest_group_first() -> None:
    questions = [
        asked("Who dredges the harbour channel?", 1),
        asked("Who dredges the harbour channel each year?", 3, thumbs_down=True, not_found=False),
        asked("who dredges the harbour channel?", 4),  # the same question again: one example
        asked("Who dredges the harbour channel in winter?", 7, thumbs_down=True),
        asked("Which visas do exchange students need?", 2),
        asked("Which visas do exchange students need abroad?", 5),
    ]
    report = gaps_report(questions, HashingEmbedder(), nowhere)
    assert report.questions == 6
    assert [cluster.size for cluster in report.clusters] == [4, 2]
    harbour, visas = report.clusters
    assert len(harbour.examples) == 3 and len({e.casefold() for e in harbour.examples}) == 3
    assert all("dredges" in example for example in harbour.examples)
    assert (harbour.first_seen, harbour.last_seen) == (START + timedelta(days=1), START + timedelta(days=7))
    assert (harbour.reasons.not_found, harbour.reasons.thumbs_down) == (3, 2)
    assert all("visas" in example for example in visas.examples)


def test_each_group_gets_the_documents_nearest_its_centre(sample_data: Path, fake: HashingEmbedder) -> None:
    store = open_store(service_settings(sample_data), fake)
    questions = [asked("What is the minimum flow at the Keld gauging station?", 1)]
    report = gaps_report(questions, fake, closest_documents(store))
    documents = report.clusters[0].documents
    assert 1 <= len(documents) <= 3
    assert documents[0].document_id == "northwater-basin-treaty"
    assert documents[0].title


@pytest.mark.slow
def test_the_real_model_groups_paraphrases(real_embedder: Embedder) -> None:
    """With the model the service uses, questions worded differently but asking the same land together."""
    questions = [
        asked("Who is responsible for dredging the port?", 1),
        asked("Which party pays to keep the harbour deep enough for ships?", 2),
        asked("Who maintains the shipping channel depth in the port?", 3),
        asked("What visa do foreign university students need?", 4),
        asked("Do exchange students require a study permit?", 5),
        asked("What is the penalty for late tax filing?", 6),
    ]
    report = gaps_report(questions, real_embedder, nowhere)
    assert [cluster.size for cluster in report.clusters] == [3, 2, 1]
    port, students, tax = report.clusters
    assert set(port.examples) == {q.question for q in questions[:3]}
    assert set(students.examples) == {q.question for q in questions[3:5]}
    assert tax.examples == [questions[5].question]
