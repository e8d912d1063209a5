"""The widget's language (data-lang, data-strings), right-to-left answers, and the thumbs under an answer,
in headless Chromium against the scripted stub: answers with an `answer_id` and the service's refusals
are routed by the test, so these run without the real service (which tests/browser/test_console.py
drives end to end)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Opened
from .helpers import FOCUSED_IN_WIDGET, INPUT, SEND, ask, expect, wait_done

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

OpenPage = Callable[..., Opened]
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Allow-Methods": "POST",
}
RTL_ANSWER = "تدخل المعاهدة حيز التنفيذ في اليوم الثلاثين بعد التوقيع [1]."


def _answer(answer: str, answer_id: str | None = "ans_test_1", **extra: Any) -> dict[str, Any]:
    source = {
        "id": 1,
        "document_id": "treaty",
        "title": "معاهدة المياه",
        "text": answer,
        "start": 0,
        "end": 10,
    }
    done = {
        "answer": answer,
        "found": True,
        "conversation_id": "c1",
        "mode": "extractive",
        "degraded": False,
        "unsupported": [],
        "sources": [source],
        **extra,
    }
    if answer_id is not None:
        done["answer_id"] = answer_id
    return done


def _route_answer(page: Any, done: dict[str, Any]) -> None:
    """/chat/stream answers with `done` as one JSON body (which the widget takes as the `done` event)."""

    def handle(route: Any) -> None:
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS)
        else:
            route.fulfill(status=200, json=done, headers=CORS)

    page.route("**/chat/stream", handle)


def _capture_feedback(page: Any, status: int = 201) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    def handle(route: Any) -> None:
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS)
            return
        sent.append({"body": json.loads(route.request.post_data), "headers": route.request.headers})
        route.fulfill(status=status, json={"id": f"fb_{len(sent)}"}, headers=CORS)

    page.route("**/feedback", handle)
    return sent


def test_data_lang_fr_shows_french_labels_statuses_and_errors(open_page: OpenPage) -> None:
    page = open_page("french", stub=True).page
    panel = page.locator("accords-chat .panel")
    expect(panel).to_be_visible()  # data-open
    expect(panel.locator(".title")).to_have_text("Interroger les documents")
    expect(panel.locator(".greeting")).to_contain_text("Posez une question sur les documents.")
    expect(page.locator(INPUT)).to_have_attribute("placeholder", "Posez une question…")
    expect(page.locator(INPUT)).to_have_attribute("aria-label", "Votre question")
    expect(page.locator(SEND)).to_have_text("Envoyer")
    expect(panel.locator(".tool").first).to_have_text("Nouveau chat")
    expect(page.locator("accords-chat .launcher")).to_have_attribute(
        "aria-label", "Fermer la conversation : Interroger les documents"
    )
    expect(page.locator("accords-chat .root")).to_have_attribute("lang", "fr")

    ask(page, "When does the ceasefire start?")  # the stub's answer: English text, French chrome
    answer = wait_done(page)
    expect(answer.locator(".chip").first).to_have_attribute("aria-label", "Source 1 : Ceasefire Agreement")
    answer.locator(".chip").first.click()
    expect(page.locator("accords-chat .back")).to_have_text("← Retour à la conversation")
    page.locator("accords-chat .back").click()

    ask(page, "unavailable please")
    expect(wait_done(page).locator(".notice.error")).to_have_text(
        "Le service est indisponible pour le moment."
    )
    # A refusal the widget knows by its code is said in French, whatever the service's English detail.
    revoked = {"detail": "This site key is unknown or has been revoked.", "code": "unknown_site_key"}
    page.route("**/chat/stream", lambda route: route.fulfill(status=403, json=revoked, headers=CORS))
    ask(page, "Encore une question ?")
    expect(wait_done(page).locator(".notice.error")).to_have_text(
        "Cette clé de site est inconnue ou a été révoquée."
    )


def test_data_strings_override_and_a_regional_tag(open_page: OpenPage) -> None:
    page = open_page("german-custom", stub=True).page
    expect(page.locator(SEND)).to_have_text("Los")  # data-strings wins
    expect(page.locator(INPUT)).to_have_attribute("placeholder", "Stellen Sie eine Frage…")  # de-AT -> de
    expect(page.locator("accords-chat .root")).to_have_attribute("lang", "de")


def test_right_to_left_answers_and_passages_read_right_to_left(open_page: OpenPage) -> None:
    opened = open_page("french", stub=True)
    page = opened.page
    _route_answer(page, _answer(RTL_ANSWER))
    ask(page, "متى تدخل المعاهدة حيز التنفيذ؟")
    answer = wait_done(page)
    direction = "e => [e.getAttribute('dir'), getComputedStyle(e).direction]"
    assert page.locator("accords-chat .msg.user .bubble").last.evaluate(direction) == ["auto", "rtl"]
    assert answer.locator(".answer").evaluate(direction) == ["auto", "rtl"]
    assert page.locator("accords-chat .greeting .bubble").evaluate(direction) == ["auto", "ltr"]
    answer.locator(".chip").first.click()
    assert page.locator("accords-chat .p-text").evaluate(direction) == ["auto", "rtl"]
    assert page.locator("accords-chat .p-title").evaluate(direction) == ["auto", "rtl"]
    opened.shot("french-rtl-passage")


def test_thumbs_up_and_down_with_a_comment_by_keyboard(open_page: OpenPage) -> None:
    opened = open_page("basic", stub=True)
    page = opened.page
    page.locator("accords-chat .launcher").click()
    _route_answer(page, _answer("The treaty enters into force on signature [1].", answer_id="ans_kbd"))
    sent = _capture_feedback(page)
    ask(page, "When does it enter into force?")
    answer = wait_done(page)
    group = answer.locator(".feedback")
    expect(group).to_have_attribute("role", "group")
    expect(group).to_have_attribute("aria-label", "Was this answer helpful?")
    up, down = group.locator(".thumb.up"), group.locator(".thumb.down")
    expect(up).to_have_attribute("aria-label", "Helpful")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(answer.locator(".fb-comment")).to_be_hidden()

    up.focus()
    page.keyboard.press("Enter")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(answer.locator(".fb-thanks")).to_have_text("Thank you for your feedback.")
    page.keyboard.press("Tab")  # on to the thumbs-down, by keyboard
    assert page.evaluate(FOCUSED_IN_WIDGET) == "thumb down"
    page.keyboard.press("Space")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    comment = answer.locator(".fb-comment textarea")
    expect(comment).to_be_visible()
    expect(comment).to_be_focused()
    expect(answer.locator(".fb-comment label")).to_have_text("What was wrong or missing? (optional)")
    page.keyboard.type("It cites the wrong article.")
    opened.shot("feedback-comment")
    page.keyboard.press("Enter")
    expect(answer.locator(".fb-comment")).to_be_hidden()
    expect(down).to_be_focused()  # the focus is not lost with the box
    expect(answer.locator(".fb-thanks")).to_have_text("Thank you for your feedback.")
    expect(page.locator("accords-chat .panel")).to_be_visible()
    bodies = [s["body"] for s in sent]
    assert bodies == [
        {"answer_id": "ans_kbd", "rating": "up", "comment": None},
        {"answer_id": "ans_kbd", "rating": "down", "comment": None},
        {"answer_id": "ans_kbd", "rating": "down", "comment": "It cites the wrong article."},
    ]
    assert all(s["headers"].get("x-accords-site-key") == "pk_test" for s in sent)
    assert all("cookie" not in s["headers"] for s in sent)

    # Escape in the comment box skips it (and does not close the panel); the rating stays sent.
    _route_answer(page, _answer("Another answer [1].", answer_id="ans_esc"))
    ask(page, "And another?")
    second = wait_done(page)
    second.locator(".thumb.down").click()
    expect(second.locator(".fb-comment textarea")).to_be_focused()
    page.keyboard.press("Escape")
    expect(second.locator(".fb-comment")).to_be_hidden()
    expect(second.locator(".thumb.down")).to_be_focused()
    expect(page.locator("accords-chat .panel")).to_be_visible()
    assert [s["body"] for s in sent][-1] == {"answer_id": "ans_esc", "rating": "down", "comment": None}

    # The rating survives a reload (the transcript is in sessionStorage).
    page.reload()
    page.locator("accords-chat .launcher").click()
    expect(page.locator("accords-chat .thumb.down[aria-pressed=true]")).to_have_count(2)


def test_no_thumbs_without_an_answer_id_and_a_failed_rating_says_so(open_page: OpenPage) -> None:
    page = open_page("basic", stub=True).page
    page.locator("accords-chat .launcher").click()
    _route_answer(page, _answer("No id here [1].", answer_id=None))
    ask(page, "Old service?")
    expect(wait_done(page).locator(".feedback")).to_have_count(0)
    _route_answer(page, _answer("With an id [1].", answer_id="ans_gone"))
    _capture_feedback(page, status=404)
    ask(page, "New service?")
    answer = wait_done(page)
    answer.locator(".thumb.up").click()
    expect(answer.locator(".fb-error")).to_have_text("Your feedback could not be sent.")
    expect(answer.locator(".fb-error")).to_have_attribute("role", "alert")
