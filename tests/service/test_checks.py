"""The checks applied to every answer must themselves catch what they are for (a check that passes
everything would make the whole suite's verbatim property vacuous)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.answer.extractive import tidy
from tests.service.checks import assert_verbatim, check_chat_response, quotes


@pytest.fixture
def answer(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.post(
        "/chat", json={"question": "What is the capacity of the Skarholm offshore wind array?", "top_k": 3}
    ).json()
    assert body["found"] and body["sentences"]
    return body


def test_a_real_answer_passes(answer: dict[str, Any]) -> None:
    check_chat_response(answer)
    assert quotes(answer)[0][0] in tidy(answer["sources"][0]["text"] + answer["sources"][-1]["text"])


def test_a_changed_word_in_a_quote_is_caught(answer: dict[str, Any]) -> None:
    answer["answer"] = answer["answer"].replace("600 megawatts", "700 megawatts")
    with pytest.raises(AssertionError, match="not verbatim"):
        assert_verbatim(answer)


def test_a_citation_of_the_wrong_source_is_caught(answer: dict[str, Any]) -> None:
    source = answer["sentences"][0]["sources"][0]
    other = next(s for s in answer["sources"] if s["id"] != source)
    answer["sources"][source - 1]["text"], other["text"] = (
        other["text"],
        answer["sources"][source - 1]["text"],
    )
    with pytest.raises(AssertionError, match="not verbatim"):
        assert_verbatim(answer)


def test_text_of_the_services_own_is_caught(answer: dict[str, Any]) -> None:
    answer["answer"] += " In short, it is big."
    with pytest.raises(AssertionError, match="outside the cited sentences"):
        assert_verbatim(answer)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: a.update(answer=a["answer"] + " [9]"),  # a marker with no source
        lambda a: a["sources"].reverse(),  # ids and scores out of order
        lambda a: a["sources"][0].update(text=a["sources"][0]["text"] + "x"),  # text longer than its span
        lambda a: a["sentences"][0].update(end=len(a["answer"]) + 5),  # span past the answer
        lambda a: a["sentences"][0].update(sources=[]),  # markers not in `sources`
        lambda a: a.update(found=False),  # a refusal with sources
        lambda a: a.pop("degraded"),  # a field missing
    ],
    ids=["marker", "order", "span", "sentence", "sentence-sources", "refusal", "field"],
)
def test_contract_breaches_are_caught(answer: dict[str, Any], tamper: Any) -> None:
    tamper(answer)
    with pytest.raises(AssertionError):
        check_chat_response(answer)


def test_an_llm_answer_is_held_to_its_citations_not_to_quoting(answer: dict[str, Any]) -> None:
    answer["mode"] = "llm"
    answer["answer"] = answer["answer"].replace("will build", "shall make")  # same length
    check_chat_response(answer)  # paraphrase allowed; markers, order and spans still checked
    answer["answer"] += " [9]"
    with pytest.raises(AssertionError):
        check_chat_response(answer)
