"""POST /chat over the samples with the fake embedder: shape, citations, top_k, filters, follow-ups, refusals.

Every response here also goes through `checks.check_chat_response` (the client's response hook), so the
citation-verbatim property is asserted on each of them, not only in the tests that name it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.answer.extractive import tidy
from service.schemas import ChatRequest, ChatResponse, Source
from tests.service.checks import MARKER, NOT_FOUND, assert_verbatim, check_chat_response, quotes
from tests.service.conftest import SAMPLE_IDS, UNDATED_ID

KELD = "What is the minimum flow at the Keld gauging station?"
CANADA = "How much will Canada provide under the coastal resilience partnership?"
TREATY = "northwater-basin-treaty"
FACT_SHEET = "aldermere-coastal-resilience-fact-sheet"


def ask(client: TestClient, question: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/chat", json={"question": question, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def cited_documents(body: dict[str, Any]) -> set[str]:
    by_id = {source["id"]: source["document_id"] for source in body["sources"]}
    return {by_id[source_id] for sentence in body["sentences"] for source_id in sentence["sources"]}


# ------------------------------------------------------------------------------------------ shape


def test_an_answer_has_every_field_of_the_contract(client: TestClient) -> None:
    body = ask(client, KELD)
    assert set(body) == set(ChatResponse.model_fields)
    assert body["mode"] == "extractive" and body["degraded"] is False and body["degraded_reason"] is None
    assert body["found"] is True and body["unsupported"] == []
    assert isinstance(body["conversation_id"], str) and body["conversation_id"]
    assert "42 cubic metres per second" in body["answer"]
    assert body["sources"][0]["document_id"] == TREATY
    source = body["sources"][0]
    assert (
        set(source)
        == set(Source.model_fields)
        == {"id", "document_id", "title", "url", "date", "kind"}
        | {"heading", "page", "text", "start", "end", "score"}
    )
    assert source["title"].startswith("Treaty between the Republic of Aldermere")
    assert (source["date"], source["kind"]) == ("2023-11-08", "agreement-text")
    assert source["url"] == "https://treaties.example.org/northwater-basin-treaty.pdf"
    assert "Article 5" in source["heading"] and source["page"] is None
    assert isinstance(source["score"], float)
    for sentence in body["sentences"]:
        assert set(sentence) == {"start", "end", "sources", "passage_start", "passage_end"}


def test_every_marker_is_a_listed_source_and_sources_are_ranked(client: TestClient) -> None:
    body = ask(client, CANADA)
    ids = [source["id"] for source in body["sources"]]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) == 5  # the default top_k
    assert {int(n) for n in MARKER.findall(body["answer"])} <= set(ids)
    scores = [source["score"] for source in body["sources"]]
    assert scores == sorted(scores, reverse=True)
    assert "CAD $420 million" in body["answer"]
    assert FACT_SHEET in cited_documents(body)


def test_sentence_spans_index_into_the_answer(client: TestClient) -> None:
    body = ask(client, "What is the capacity of the Skarholm offshore wind array?")
    answer = body["answer"]
    for sentence in body["sentences"]:
        span = answer[sentence["start"] : sentence["end"]]
        assert span.endswith("]") and not span.startswith(" ")
        assert [int(n) for n in MARKER.findall(span)] == sentence["sources"]
    assert "600 megawatts" in answer


def test_a_source_pdf_passage_names_its_page(client: TestClient) -> None:
    body = ask(client, "What is the total investment in the clean energy plan?")
    plan = [s for s in body["sources"] if s["document_id"] == "sarn-korvath-clean-energy-plan"]
    assert plan and all(source["page"] in (1, 2) for source in plan)
    assert any("EUR 2.3 billion" in source["text"] and source["page"] == 2 for source in plan)


@pytest.mark.parametrize("top_k", [1, 2, 20])
def test_top_k_bounds_the_sources(client: TestClient, top_k: int) -> None:
    body = ask(client, KELD, top_k=top_k)
    assert body["found"] and 1 <= len(body["sources"]) <= top_k
    assert body["sources"][0]["document_id"] == TREATY
    if top_k == 20:
        assert len(body["sources"]) > 5  # more than the default
    if top_k == 1:
        assert {n for s in body["sentences"] for n in s["sources"]} <= {1}


def test_each_source_is_exactly_the_document_text_between_its_offsets(client: TestClient) -> None:
    for question in (KELD, CANADA, "When will e-invoicing be interoperable?", "What is the herring quota?"):
        for source in ask(client, question, top_k=8)["sources"]:
            passage = client.get(
                f"/documents/{source['document_id']}/text",
                params={"start": source["start"], "end": source["end"]},
            )
            assert passage.status_code == 200, passage.text
            assert passage.json()["text"] == source["text"]
            assert passage.json()["title"] == source["title"]


# ------------------------------------------------------------------------------ citation verbatim

# Varied questions about the samples (facts: see the docstring of tests/ingest/test_samples.py): every
# kind of document (Markdown, HTML, DOCX, PDF), question forms (how much, when, where, who, list...).
SAMPLE_QUESTIONS = [
    CANADA,
    KELD,
    "How long may the minimum flow be reduced during a drought?",
    "What is the maximum concentration of nitrates at the border?",
    "How often does the Joint Northwater Commission meet?",
    "How long does the Northwater treaty remain in force?",
    "How many months in advance must a Party notify planned dams?",
    "How much will Aldermere contribute in co-financing?",
    "What are the deliverables of the coastal resilience partnership?",
    "How many engineers and technicians will be trained?",
    "When will the Velmora seawall be completed?",
    "How much investment did the revised joint statement set for the Green Hydrogen Corridor?",
    "How much investment did the original joint statement set for the Green Hydrogen Corridor?",
    "How many scholarships per year will Aldermere and Korvath fund?",
    "Where will the first meeting of the Strategic Partnership Council take place?",
    "What is the name of the joint naval exercise and where will it be held?",
    "Who met in Velmora on 14 March 2024?",
    "When will e-invoicing be interoperable between Korvath and Sarn?",
    "Where will the electronic bills of lading pilot take place?",
    "How often will the Digital Trade Dialogue meet?",
    "What is the herring quota for 2025?",
    "How many joint patrol days a year are planned under the fisheries memorandum?",
    "Which vessels must carry a vessel monitoring system?",
    "What is the capacity of the Skarholm offshore wind array?",
    "When will the HVDC interconnector between Valmont and Brenholt be in operation?",
    "How much is the total investment of the clean energy plan?",
    "What does PGII stand for?",
]


@pytest.mark.parametrize("question", SAMPLE_QUESTIONS)
def test_every_answer_sentence_is_quoted_verbatim_from_what_it_cites(
    client: TestClient, question: str
) -> None:
    body = ask(client, question)
    assert_verbatim(body)  # also applied by the client's hook; explicit here
    for quote, cited in quotes(body):
        for source_id in cited:
            source = body["sources"][source_id - 1]
            assert quote in tidy(source["text"])  # the source's words, on one line


def test_chat_over_http_is_the_responders_answer(client: TestClient) -> None:
    """/chat, `accords ask` and `accords eval` must give one answer: they share the responder."""
    responder = client.app.state.runtime.responder  # type: ignore[attr-defined]
    for question in SAMPLE_QUESTIONS:
        over_http = ask(client, question)
        direct = asyncio.run(responder.respond(ChatRequest(question=question))).model_dump()
        for name in ("conversation_id", "answer_id"):  # each answer is its own
            del over_http[name], direct[name]
        assert over_http == direct, question


def test_most_sample_questions_are_answered_from_the_documents(client: TestClient) -> None:
    """The fake embedder knows no meanings, yet words alone answer most questions (a sanity floor)."""
    answered = sum(ask(client, question)["found"] for question in SAMPLE_QUESTIONS)
    assert answered >= len(SAMPLE_QUESTIONS) * 0.7


# -------------------------------------------------------------------------------------- refusals

ABSENT = [
    "What was the budget of the Aldermere space agency in 2019?",
    "How many astronauts will Korvath send to the Moon?",
    "What was the budget of the Sarn lunar mining programme in 2022?",
    "How much will Korvath pay for lunar mining licences?",
]


@pytest.mark.parametrize("question", ABSENT)
def test_a_refusal_cites_nothing_and_lists_the_closest_passages(
    make_client: Callable[..., TestClient], question: str
) -> None:
    """How a refusal reads (whether to refuse is the answer model's call, measured by `accords eval`:
    over the fake embedder its similarities mean nothing, so the threshold is forced here)."""
    body = ask(make_client(found_threshold=1.0), question)
    assert body["found"] is False and body["sentences"] == []
    assert body["sources"], "the closest passages show where to look"
    assert not MARKER.search(body["answer"])
    assert body["answer"].startswith(NOT_FOUND)


# --------------------------------------------------------------------------------------- filters


def source_documents(body: dict[str, Any]) -> set[str]:
    return {source["document_id"] for source in body["sources"]}


def test_a_kind_filter_keeps_only_documents_of_those_kinds(client: TestClient) -> None:
    assert len(source_documents(ask(client, CANADA, top_k=20))) > 1
    body = ask(client, CANADA, top_k=20, filters={"kind": ["fact-sheet"]})
    assert body["found"] and source_documents(body) == {FACT_SHEET}
    assert {source["kind"] for source in body["sources"]} == {"fact-sheet"}
    assert "CAD $420 million" in body["answer"]
    both = ask(client, CANADA, top_k=20, filters={"kind": ["fact-sheet", "agreement-text"]})
    assert source_documents(both) == {FACT_SHEET, TREATY}
    memo = ask(client, LIGHTHOUSES, filters={"kind": ["memo"]})
    assert source_documents(memo) == {UNDATED_ID} and "seventeen lighthouses" in memo["answer"]


SCHOLARSHIPS = "How many scholarships per year will Aldermere and Korvath fund?"
LIGHTHOUSES = "How many lighthouses will the coast guards maintain along the Tessaly Strait?"


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        ("2024-03-14", "2024-03-14", "500 university scholarships"),  # the original's day, both ends
        ("2024-03-21", "2024-03-21", "750 university scholarships"),  # the revision's day, both ends
        (None, "2024-03-14", "500 university scholarships"),
        ("2024-03-21", "2024-06-12", "750 university scholarships"),
    ],
)
def test_a_date_range_is_inclusive_at_both_ends(
    client: TestClient, date_from: str | None, date_to: str | None, expected: str
) -> None:
    body = ask(client, SCHOLARSHIPS, top_k=20, filters={"date_from": date_from, "date_to": date_to})
    assert expected in body["answer"]
    assert all(
        (date_from or "0000") <= source["date"] <= (date_to or "9999") for source in body["sources"]
    ), [source["date"] for source in body["sources"]]


def test_undated_documents_are_left_out_when_a_date_filter_is_set(client: TestClient) -> None:
    unfiltered = ask(client, LIGHTHOUSES)
    assert unfiltered["found"] and UNDATED_ID in cited_documents(unfiltered)
    assert "seventeen lighthouses" in unfiltered["answer"]
    for filters in ({"date_from": "1900-01-01"}, {"date_to": "2100-12-31"}):
        body = ask(client, LIGHTHOUSES, top_k=20, filters=filters)
        assert UNDATED_ID not in source_documents(body)
        assert "seventeen" not in body["answer"]
        assert all(source["date"] for source in body["sources"])
    both = ask(client, LIGHTHOUSES, top_k=20, filters={"date_from": "1900-01-01", "kind": ["memo"]})
    assert both["found"] is False and both["sources"] == []


def test_a_document_filter_keeps_only_those_documents(client: TestClient) -> None:
    refused = ask(client, CANADA, top_k=20, filters={"document_id": [TREATY]})
    assert "CAD $420 million" not in refused["answer"] and source_documents(refused) == {TREATY}
    memo = ask(client, LIGHTHOUSES, filters={"document_id": [UNDATED_ID]})  # an id with a "/"
    assert source_documents(memo) == {UNDATED_ID} and "seventeen lighthouses" in memo["answer"]
    seawall = "When will the Velmora seawall be completed?"
    two = ask(client, seawall, top_k=20, filters={"document_id": [TREATY, FACT_SHEET]})
    assert source_documents(two) == {TREATY, FACT_SHEET}
    assert "by the end of 2026" in two["answer"]


def test_filters_combine(client: TestClient) -> None:
    body = ask(
        client,
        SCHOLARSHIPS,
        top_k=20,
        filters={"kind": ["joint-statement"], "date_from": "2024-03-15", "document_id": sorted(SAMPLE_IDS)},
    )
    assert source_documents(body) == {"aldermere-korvath-joint-statement-v2-revised"}
    assert "750 university scholarships" in body["answer"]


@pytest.mark.parametrize(
    "filters",
    [
        {"kind": ["no-such-kind"]},
        {"document_id": ["no-such-document"]},
        {"date_from": "1990-01-01", "date_to": "1990-12-31"},
        {"date_from": "2030-01-01"},
        {"kind": ["fact-sheet"], "document_id": [TREATY]},
    ],
    ids=["kind", "document", "date-range", "future", "disjoint"],
)
def test_a_filter_that_matches_nothing_is_a_refusal_not_an_error(
    client: TestClient, filters: dict[str, Any]
) -> None:
    body = ask(client, KELD, filters=filters)
    assert body["found"] is False and body["sources"] == []
    assert body["answer"].startswith(NOT_FOUND)


def test_empty_filters_filter_nothing(client: TestClient) -> None:
    plain = ask(client, KELD)
    for filters in ({}, {"kind": None, "date_from": None}, {"kind": [], "document_id": []}):
        body = ask(client, KELD, filters=filters)
        assert (body["answer"], body["sources"]) == (plain["answer"], plain["sources"])


# ------------------------------------------------------------------------------------ follow-ups


def named_first(body: dict[str, Any]) -> str:
    """The document an answer leans on: its first source, or the first 'closest document' of a refusal."""
    if body["sources"]:
        return str(body["sources"][0]["title"])
    return body["answer"].split("“", 1)[1].split("”", 1)[0]


def test_a_follow_up_is_read_in_the_light_of_the_earlier_answer(client: TestClient) -> None:
    first = ask(client, CANADA)
    conversation = first["conversation_id"]
    follow_up = ask(client, "When was it launched?", conversation_id=conversation)
    assert follow_up["conversation_id"] == conversation
    assert cited_documents(follow_up) == {FACT_SHEET}
    assert "June 12, 2024" in follow_up["answer"]


def test_a_pronoun_follow_up_retrieves_from_the_earlier_answers_document(client: TestClient) -> None:
    treaty_title = ask(client, KELD)["sources"][0]["title"]
    alone = ask(client, "When was that signed?")
    assert named_first(alone) != treaty_title  # on its own, "that" could be anything
    first = ask(client, KELD)
    follow_up = ask(client, "When was that signed?", conversation_id=first["conversation_id"])
    assert named_first(follow_up) == treaty_title
    assert source_documents(follow_up) <= {TREATY} or not follow_up["found"]


def test_a_continuation_keeps_the_topic(client: TestClient) -> None:
    first = ask(client, "What is the herring quota for 2025?")
    follow_up = ask(client, "What about mackerel?", conversation_id=first["conversation_id"])
    assert "31,500" in follow_up["answer"]
    assert cited_documents(follow_up) == {"aldermere-tessaly-fisheries-mou"}


def test_a_question_that_names_its_topic_changes_the_subject(client: TestClient) -> None:
    first = ask(client, CANADA)
    other = ask(client, KELD, conversation_id=first["conversation_id"])
    assert other["conversation_id"] == first["conversation_id"]
    assert (other["answer"], other["sources"]) == (ask(client, KELD)["answer"], ask(client, KELD)["sources"])


def test_an_unknown_conversation_id_starts_a_new_conversation(client: TestClient) -> None:
    alone = ask(client, "When was that signed?")
    body = ask(client, "When was that signed?", conversation_id="never-seen-before")
    assert (body["answer"], body["sources"]) == (alone["answer"], alone["sources"])
    assert body["conversation_id"]
    # ...which then goes on like any other.
    follow_up = ask(client, "And how often does it meet?", conversation_id=body["conversation_id"])
    assert follow_up["conversation_id"] == body["conversation_id"]


def test_forgotten_conversations_start_afresh(make_client: Any) -> None:
    client = make_client(max_conversations=1)
    alone = ask(client, "When was that signed?")
    first = ask(client, KELD)
    ask(client, CANADA)  # a second conversation pushes the first out
    follow_up = ask(client, "When was that signed?", conversation_id=first["conversation_id"])
    assert (follow_up["answer"], follow_up["sources"]) == (alone["answer"], alone["sources"])


def test_a_refused_answer_is_still_checked_by_the_contract(client: TestClient) -> None:
    check_chat_response(ask(client, ABSENT[0]))
