"""Widget states the real service cannot produce on demand, against the scripted stub (stub_service.py).

Kept on the stub because the real extractive service never degrades, never fails half-way through a
stream, answers in milliseconds and never goes silent: a degraded answer with unsupported sentences, an
`error` event after text has streamed, a slow stream to Stop, a silent one for the 60 s idle timeout, a
503, and SSE bytes cut at awkward places (split UTF-8 sequences, CRLF, multi-line data) for the
hand-written parser. The stub's questions pick its canned answers by keyword.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import Opened
from .helpers import (
    FOCUSED_IN_WIDGET,
    SEND,
    ask,
    chat_requests,
    expect,
    last_answer,
    open_panel,
    wait_done,
)
from .stub_service import ANNEX_QUOTE

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

OpenPage = Callable[..., Opened]


def test_stream_parser_survives_odd_chunking(open_page: OpenPage) -> None:
    opened = open_page("basic", stub=True)
    page = opened.page
    open_panel(page)
    ask(page, "When does the ceasefire start?")
    answer = wait_done(page)
    expect(answer.locator(".answer")).to_contain_text("Réunions are held monthly — see the statement.")
    expect(answer.locator(".chip")).to_have_count(3)  # [1], [2], [2]; [9] is not a source
    expect(answer.locator(".answer")).to_contain_text("[9]")
    conversation = page.evaluate("() => JSON.parse(sessionStorage.getItem('accords:pk_test:conversation'))")
    ask(page, "And who monitors it?")  # this answer's stream uses CRLF line ends
    expect(wait_done(page)).to_contain_text(f"As a follow-up in {conversation}")
    assert chat_requests(opened)[1] == {"question": "And who monitors it?", "conversation_id": conversation}
    assert opened.errors == []


def test_degraded_and_unsupported(open_page: OpenPage) -> None:
    opened = open_page("basic", stub=True)
    page = opened.page
    open_panel(page)
    ask(page, "degraded please")  # no `sentences` in this payload: the widget splits the text itself
    answer = wait_done(page)
    expect(answer).not_to_have_class("msg bot not-found")
    expect(answer.locator(".notice.degraded")).to_have_text(
        "Answered without the language model: the language model did not answer in time"
    )
    sentences = answer.locator(".sentence")
    expect(sentences).to_have_count(2)
    expect(sentences.nth(0)).not_to_have_class("sentence unsupported")
    expect(sentences.nth(1)).to_have_class("sentence unsupported")
    expect(sentences.nth(1).locator(".flag")).to_have_text("(unsupported by the cited passage)")
    # The unsupported sentence is not in the passage: nothing is highlighted, the whole text shows.
    sentences.nth(1).locator(".chip").click()
    expect(page.locator("accords-chat .passage mark")).to_have_count(0)
    expect(page.locator("accords-chat .p-text")).to_contain_text("All forces shall remain")
    page.locator("accords-chat .back").click()
    opened.shot("13-degraded")


def test_error_event_then_fallback_answer(open_page: OpenPage) -> None:
    page = open_page("basic", stub=True).page
    open_panel(page)
    ask(page, "broken model")
    answer = wait_done(page)
    expect(answer.locator(".notice.error")).to_have_text("The language model failed; here is a fallback.")
    expect(answer.locator(".answer")).to_have_text("Fallback: the ceasefire begins on 1 May 2024.1")
    expect(answer.locator(".notice.degraded")).to_have_text("Answered without the language model: llm error")


def test_stop_and_idle_timeout(open_page: OpenPage) -> None:
    opened = open_page("basic", stub=True, before_goto=lambda p: p.clock.install())
    page = opened.page
    open_panel(page)
    ask(page, "a slow one")
    expect(last_answer(page).locator(".answer")).to_contain_text("This answer")
    page.get_by_role("button", name="Stop the answer").click()
    answer = wait_done(page)
    expect(answer.locator(".notice.info")).to_have_text("Stopped.")
    expect(page.locator(SEND)).to_be_enabled()
    expect(page.locator("accords-chat .stop")).to_be_hidden()

    ask(page, "silent treatment")
    expect(last_answer(page)).to_contain_text("Searching the documents")
    page.clock.run_for(61_000)
    answer = wait_done(page)
    expect(answer.locator(".notice.error")).to_contain_text("No response from the service for 60 s")


def test_unavailable_and_unreachable(open_page: OpenPage) -> None:
    page = open_page("basic", stub=True).page
    open_panel(page)
    ask(page, "unavailable please")
    expect(wait_done(page).locator(".notice.error")).to_have_text("The service is unavailable right now.")

    # FastAPI-style 422: `detail` is a list of {"msg": ...}.
    invalid = {"detail": [{"loc": ["body", "question"], "msg": "Question is too long", "type": "too_long"}]}
    cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*"}
    page.route("**/chat/stream", lambda route: route.fulfill(status=422, json=invalid, headers=cors))
    ask(page, "When does the ceasefire start?")
    expect(wait_done(page).locator(".notice.error")).to_have_text("Question is too long")

    page.unroute("**/chat/stream")
    page.route("**/chat/stream", lambda route: route.abort())
    page.route("**/widget/status*", lambda route: route.abort())
    ask(page, "When does the ceasefire start?")
    expect(wait_done(page).locator(".notice.error")).to_have_text("Cannot reach the service.")


def test_refusal_lists_closest_passages_not_citations(open_page: OpenPage) -> None:
    opened = open_page("basic", stub=True)
    page = opened.page
    open_panel(page)
    ask(page, "tea on the moon")
    answer = wait_done(page)
    expect(answer).to_have_class("msg bot not-found")
    expect(answer.locator(".label")).to_have_text("Not found in the documents")
    expect(answer.locator(".answer")).to_contain_text(
        "The closest documents are “Joint Statement on Monitoring”"
    )
    expect(answer.locator(".chip")).to_have_count(0)
    expect(answer.locator(".sources")).to_have_count(0)
    closest = page.get_by_role("list", name="Closest passages")
    expect(closest).to_have_count(1)
    expect(answer.locator(".closest-title")).to_have_text("Closest passages")
    items = closest.get_by_role("listitem")
    expect(items).to_have_text(
        [
            "Joint Statement on Monitoring · 2024-04-22",
            "Ceasefire Agreement, Annex A · 2024-04-21 · Annex A — Lines of contact",
        ]
    )
    opened.shot("14-closest-passages")

    items.nth(1).get_by_role("button", name="Show closest passage: Ceasefire Agreement, Annex A").click()
    passage = page.get_by_role("document", name="Closest passage: Ceasefire Agreement, Annex A")
    expect(passage).to_be_visible()
    expect(passage.locator(".p-note")).to_have_text(
        "A closest passage: the documents do not answer the question, and nothing here is cited."
    )
    expect(passage.locator("mark")).to_have_count(0)
    expect(passage.locator(".p-text")).to_have_text(
        "Annex A — Lines of contact\nMap\nThe lines of contact are shown on the attached map. "
        "Both sides withdraw 5 km from them."
    )
    expect(passage.locator(".p-meta")).to_have_text(
        "2024-04-21 · Annex A — Lines of contact · page 12 · treaty"
    )
    opened.shot("15-closest-passage")
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED_IN_WIDGET) == "closest-open"

    page.reload()  # the transcript keeps the closest passages
    open_panel(page)
    expect(page.get_by_role("list", name="Closest passages").get_by_role("listitem")).to_have_count(2)
    ask(page, "When does the ceasefire start?")  # a found answer keeps the citation UI
    found = wait_done(page)
    expect(found).to_have_class("msg bot")
    expect(found.locator(".sources-title")).to_have_text("Sources")
    expect(found.locator(".closest")).to_have_count(0)
    assert opened.errors == []


def test_quote_offsets_place_the_highlight(open_page: OpenPage) -> None:
    opened = open_page("basic", stub=True)
    page = opened.page
    open_panel(page)
    ask(page, "exact offsets")
    answer = wait_done(page)
    chips = answer.locator(".chip")
    expect(chips).to_have_text(["2", "1"])
    chips.first.click()  # its words match nothing in the passage: only the offsets place the mark
    passage = page.locator("accords-chat .passage")
    expect(passage.locator("mark")).to_have_text(ANNEX_QUOTE)
    expect(passage.locator(".p-note")).to_have_text("Highlighted: the part that the answer cites.")
    expect(passage.locator(".p-text")).not_to_contain_text("#")
    expect(passage.locator(".p-text")).to_contain_text("Annex A — Lines of contact\nMap\nThe lines")
    page.locator("accords-chat .back").click()
    answer.locator(".sources .src-open").first.click()  # the Sources entry opens it the same way
    expect(passage.locator("mark")).to_have_text(ANNEX_QUOTE)
    page.keyboard.press("Escape")
    chips.nth(1).click()  # no offsets and no textual match: the whole passage
    expect(passage.locator("mark")).to_have_count(0)
    expect(passage.locator(".p-note")).to_contain_text("could not be located exactly")
    assert opened.errors == []
