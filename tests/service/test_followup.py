"""`read_follow_up`: which questions lean on the conversation, and what they borrow from it."""

from __future__ import annotations

import pytest

from service.chat.conversations import Turn
from service.chat.followup import FollowUp, read_follow_up

HISTORY = [
    Turn("How much will Canada provide?", "CAD $420 million [1]", ("fact-sheet",), True),
    Turn("What is the minimum flow at the Keld gauging station?", "42 m3/s [1]", ("treaty", "other"), True),
]


@pytest.mark.parametrize(
    "question",
    [
        "When was that signed?",
        "Who signed it?",
        "What are its deliverables?",
        "Where will they meet?",
        "How often does the Commission meet there?",
        "And what about energy?",
        "what about mackerel?",
        "Also, is it binding?",
        "But when does the agreement expire?",
        "How much?",  # names nothing of its own
        "when?",
        "Is the deal binding?",
    ],
)
def test_dependent_questions_borrow_the_recent_questions_and_documents(question: str) -> None:
    follow_up = read_follow_up(question, HISTORY)
    assert follow_up.context == " ".join(turn.question for turn in HISTORY)
    assert follow_up.prior_documents == ("treaty", "other", "fact-sheet")  # the latest turn's first


@pytest.mark.parametrize(
    "question",
    [
        "What is the herring quota for 2025?",
        "How much will Aldermere contribute to the Velmora seawall?",
        "When will e-invoicing between Korvath and Sarn be interoperable?",
        "Where will the Strategic Partnership Council meet in 2024?",
        "What does PGII stand for?",
    ],
)
def test_a_question_that_names_its_own_topic_stands_alone(question: str) -> None:
    assert read_follow_up(question, HISTORY) == FollowUp(None, ())


@pytest.mark.parametrize("question", ["When was that signed?", "And what about energy?", "How much?"])
def test_without_history_nothing_is_borrowed(question: str) -> None:
    assert read_follow_up(question, []) == FollowUp(None, ())


def test_only_the_last_two_turns_count() -> None:
    older = Turn("What is the herring quota?", "48,000 t [1]", ("mou",), True)
    follow_up = read_follow_up("When was that signed?", [older, *HISTORY])
    assert follow_up.context is not None and "herring" not in follow_up.context
    assert "mou" not in follow_up.prior_documents


def test_a_refused_turn_offers_its_question_but_no_documents() -> None:
    refused = Turn("What was the space agency budget?", "The documents do not contain...", (), False)
    follow_up = read_follow_up("And in 2020?", [refused])
    assert follow_up.context == "What was the space agency budget?"
    assert follow_up.prior_documents == ()
