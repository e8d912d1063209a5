"""The embeddable widget (service/static/widget.js) driven in headless Chromium.

Host pages come from another origin than the service, like a real embed. Questions pick the
stub's canned answers by keyword (see ``stub_service._script_for``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from .conftest import Opened

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=10_000)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

OpenPage = Callable[..., Opened]

LAUNCHER = "accords-chat .launcher"
PANEL = "accords-chat .panel"
INPUT = "accords-chat textarea"
SEND = "accords-chat .send"
BOT = "accords-chat .msg.bot:not(.greeting)"

FOCUSED_IN_WIDGET = """() => {
  const host = document.activeElement;
  if (!host || host.tagName !== 'ACCORDS-CHAT') return 'outside:' + (host ? host.tagName : null);
  const inner = host.shadowRoot.activeElement;
  return inner ? (inner.className || inner.tagName.toLowerCase()) : null;
}"""


def open_panel(page: Any) -> None:
    page.locator(LAUNCHER).click()
    expect(page.locator(PANEL)).to_be_visible()


def ask(page: Any, question: str) -> None:
    page.locator(INPUT).fill(question)
    page.locator(INPUT).press("Enter")


def last_answer(page: Any) -> Any:
    return page.locator(BOT).last


def wait_done(page: Any) -> Any:
    answer = last_answer(page)
    expect(answer).to_have_attribute("aria-busy", "false")
    return answer


def chat_requests(opened: Opened) -> list[dict[str, Any]]:
    return [
        json.loads(r.post_data)
        for r in opened.requests
        if r.method == "POST" and urlsplit(r.url).path == "/chat/stream"
    ]


def test_ask_streams_cites_and_opens_the_passage(open_page: OpenPage, service_url: str) -> None:
    opened = open_page("basic")
    page = opened.page
    launcher = page.locator(LAUNCHER)
    expect(launcher).to_have_count(1)  # the snippet is on this page twice
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-controls", "accords-panel")
    open_panel(page)
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(PANEL)).to_have_attribute("role", "dialog")
    expect(page.locator(PANEL)).to_have_attribute("aria-label", "Ask the documents")
    expect(page.locator("accords-chat .log")).to_have_attribute("role", "log")
    expect(page.locator("accords-chat .log")).to_have_attribute("aria-live", "polite")
    assert page.evaluate(FOCUSED_IN_WIDGET) == "textarea", "opening the panel focuses the input"

    ask(page, "When does the ceasefire start?")
    expect(page.locator(SEND)).to_be_disabled()
    expect(last_answer(page)).to_contain_text("Searching the documents")
    # Text shows up while the answer is still streaming, before `done`.
    expect(page.locator(f"{BOT}[aria-busy=true] .answer")).to_contain_text("The parties")
    opened.shot("01-streaming")
    answer = wait_done(page)
    expect(page.locator(SEND)).to_be_enabled()
    expect(answer.locator(".answer")).to_contain_text("complete ceasefire beginning on 1 May 2024.")
    expect(answer.locator(".answer")).to_contain_text("Réunions are held monthly — see the statement.")

    chips = answer.locator(".chip")
    expect(chips).to_have_count(3)  # [1], [2], [2]; [9] is not a source
    expect(chips.first).to_have_attribute("aria-label", "Source 1: Ceasefire Agreement")
    expect(answer.locator(".answer")).to_contain_text("[9]")
    sources = answer.locator(".sources li")
    expect(sources).to_have_count(2)
    expect(sources.first).to_contain_text("Ceasefire Agreement")
    expect(sources.first).to_contain_text("2024-04-20")
    original = sources.nth(1).locator("a")
    expect(original).to_have_attribute("href", "https://example.org/joint-statement")
    expect(original).to_have_attribute("target", "_blank")
    expect(original).to_have_attribute("rel", "noopener noreferrer")
    opened.shot("02-answer")

    chips.first.click()
    passage = page.locator("accords-chat .passage")
    expect(passage).to_be_visible()
    expect(page.locator("accords-chat .log")).to_be_hidden()
    expect(passage.locator(".p-title")).to_have_text("Ceasefire Agreement")
    expect(passage.locator(".p-meta")).to_contain_text("Article 2 — Cessation of hostilities")
    expect(passage.locator(".p-meta")).to_contain_text("page 3")
    mark = passage.locator("mark")
    expect(mark).to_have_count(1)
    assert "complete ceasefire beginning on 1 May 2024" in mark.inner_text()
    assert "All forces" not in mark.inner_text()
    links = passage.locator("a")
    expect(links.first).to_have_attribute("href", "https://example.org/ceasefire.pdf")
    exact = f"{service_url}/documents/{quote('ceasefire-2024/agreement', safe='')}/text?start=1200&end=1364"
    expect(links.nth(1)).to_have_attribute("href", exact)
    opened.shot("03-passage")

    page.locator("accords-chat .back").click()
    expect(page.locator("accords-chat .log")).to_be_visible()
    assert page.evaluate(FOCUSED_IN_WIDGET) == "chip", "Back returns focus to the chip"

    # A source entry opens the passage too, highlighting the sentence that cites it.
    sources.nth(1).locator(".src-open").click()
    expect(passage.locator("mark")).to_contain_text("A joint monitoring commission will verify compliance")
    page.keyboard.press("Escape")  # Esc in the passage view goes back, it does not close
    expect(page.locator("accords-chat .log")).to_be_visible()
    assert opened.errors == []


def test_follow_up_carries_conversation_id_and_reload_restores(open_page: OpenPage) -> None:
    opened = open_page("basic")
    page = opened.page
    open_panel(page)
    ask(page, "When does the ceasefire start?")
    wait_done(page)
    conversation = page.evaluate("() => JSON.parse(sessionStorage.getItem('accords:pk_test:conversation'))")
    assert isinstance(conversation, str) and conversation

    ask(page, "And who monitors it?")
    answer = wait_done(page)
    expect(answer).to_contain_text(f"As a follow-up in {conversation}")
    bodies = chat_requests(opened)
    assert bodies[0] == {"question": "When does the ceasefire start?"}
    assert bodies[1] == {"question": "And who monitors it?", "conversation_id": conversation}
    headers = [r.headers for r in opened.requests if urlsplit(r.url).path == "/chat/stream"]
    assert headers[-1]["x-accords-site-key"] == "pk_test"
    assert headers[-1]["content-type"] == "application/json"

    page.reload()
    open_panel(page)
    expect(page.locator("accords-chat .msg.user")).to_have_count(2)
    expect(last_answer(page)).to_contain_text(f"As a follow-up in {conversation}")
    last_answer(page).locator(".chip").first.click()
    expect(page.locator("accords-chat .passage mark")).to_contain_text("reports to both parties every month")
    page.locator("accords-chat .back").click()

    page.get_by_role("button", name="New chat").click()
    expect(page.locator("accords-chat .msg.user")).to_have_count(0)
    assert page.evaluate("() => sessionStorage.getItem('accords:pk_test:conversation')") is None
    ask(page, "When does the ceasefire start?")
    wait_done(page)
    assert "conversation_id" not in chat_requests(opened)[-1]
    assert opened.errors == []


def test_hostile_passage_stays_inert(open_page: OpenPage, service_url: str, page_origin: str) -> None:
    opened = open_page("basic")
    page = opened.page
    open_panel(page)
    ask(page, "Show me the hostile clause")
    answer = wait_done(page)
    expect(answer.locator(".answer")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(answer.locator(".answer")).to_contain_text("![x](http://evil.example/x.png)")
    expect(answer.locator(".answer")).to_contain_text("[link](javascript:window.__pwned=1)")
    expect(answer.locator(".sources li")).to_contain_text('<b onmouseover="window.__pwned=1">Hostile</b>')
    expect(answer.locator(".sources a")).to_have_count(0)  # javascript: URL -> no link at all
    opened.shot("04-hostile-answer")

    answer.locator(".chip").nth(1).click()
    passage = page.locator("accords-chat .passage")
    expect(passage.locator(".p-text")).to_contain_text("<script>window.__pwned=1</script>")
    expect(passage.locator("mark")).to_have_text("shall exchange prisoners")
    assert passage.evaluate("e => e.scrollWidth - e.clientWidth") == 0  # long hostile title wraps
    expect(passage.locator(".p-meta")).to_contain_text("<iframe")
    hrefs = passage.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == [f"{service_url}/documents/{quote('hostile/<doc>', safe='')}/text?start=10&end=240"]
    opened.shot("05-hostile-passage")
    page.mouse.move(10, 10)
    page.wait_for_timeout(300)  # give any injected handler a chance to run

    inside = page.evaluate(
        """() => {
          const root = document.querySelector('accords-chat').shadowRoot;
          const count = s => root.querySelectorAll(s).length;
          return {img: count('img'), script: count('script'), iframe: count('iframe'),
                  onattr: [...root.querySelectorAll('*')].filter(e => [...e.attributes]
                      .some(a => a.name.startsWith('on'))).length,
                  jslinks: count('a[href^="javascript"]'), svg: count('svg:not([aria-hidden])'),
                  pwned: typeof window.__pwned};
        }"""
    )
    assert inside == {
        "img": 0,
        "script": 0,
        "iframe": 0,
        "onattr": 0,
        "jslinks": 0,
        "svg": 0,
        "pwned": "undefined",
    }
    allowed = {urlsplit(page_origin).netloc, urlsplit(service_url).netloc}
    hosts = {urlsplit(r.url).netloc for r in opened.requests}
    assert hosts <= allowed, f"requests left the two origins: {hosts - allowed}"
    assert opened.errors == []


def test_origin_not_allowed_shows_refusal(open_page: OpenPage, foreign_origin: str) -> None:
    opened = open_page("basic", foreign=True)
    page = opened.page
    assert page.url.startswith(foreign_origin)
    open_panel(page)
    ask(page, "When does the ceasefire start?")
    answer = wait_done(page)
    expect(answer.locator(".notice.error")).to_have_text("This site is not allowed to use this chat.")
    expect(page.locator(SEND)).to_be_enabled()
    assert any(urlsplit(r.url).path == "/widget/status" for r in opened.requests)
    opened.shot("06-origin-refused")


def test_site_key_refused_shows_server_message(open_page: OpenPage, page_origin: str) -> None:
    page = open_page("blocked-key").page
    open_panel(page)
    ask(page, "When does the ceasefire start?")
    expect(wait_done(page).locator(".notice.error")).to_contain_text("not allowed on " + page_origin)


def test_rate_limited_shows_retry_after(open_page: OpenPage) -> None:
    opened = open_page("basic")
    open_panel(opened.page)
    ask(opened.page, "rate limit me")
    notice = wait_done(opened.page).locator(".notice.error")
    expect(notice).to_have_text("Too many requests — try again in 17 s")
    opened.shot("07-rate-limited")


def test_unavailable_and_unreachable(open_page: OpenPage) -> None:
    page = open_page("basic").page
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


def test_error_event_then_fallback_answer(open_page: OpenPage) -> None:
    page = open_page("basic").page
    open_panel(page)
    ask(page, "broken model")
    answer = wait_done(page)
    expect(answer.locator(".notice.error")).to_have_text("The language model failed; here is a fallback.")
    expect(answer.locator(".answer")).to_have_text("Fallback: the ceasefire begins on 1 May 2024.1")
    expect(answer.locator(".notice.degraded")).to_have_text("Answered without the language model: llm error")


def test_stop_and_idle_timeout(open_page: OpenPage) -> None:
    opened = open_page("basic", before_goto=lambda p: p.clock.install())
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


def test_keyboard_only(open_page: OpenPage) -> None:
    opened = open_page("basic")
    page = opened.page
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_IN_WIDGET) == "launcher":
            break
    assert page.evaluate(FOCUSED_IN_WIDGET) == "launcher"
    page.keyboard.press("Enter")
    expect(page.locator(PANEL)).to_be_visible()
    assert page.evaluate(FOCUSED_IN_WIDGET) == "textarea"
    page.keyboard.type("When does the ceasefire start?")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Please cite it.")
    assert page.locator(INPUT).input_value() == "When does the ceasefire start?\nPlease cite it."
    page.keyboard.press("Enter")
    expect(page.locator("accords-chat .msg.user .bubble").last).to_have_text(
        "When does the ceasefire start?\nPlease cite it."
    )
    wait_done(page)
    assert page.locator(INPUT).input_value() == ""
    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_be_hidden()
    expect(page.locator(LAUNCHER)).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(FOCUSED_IN_WIDGET) == "launcher"
    assert opened.errors == []


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} has no box"
    return dict(box)


def test_hostile_host_css_still_usable(open_page: OpenPage) -> None:
    opened = open_page("hostile-css")
    page = opened.page
    launcher = _box(page, LAUNCHER)
    assert launcher["width"] == 56 and launcher["height"] == 56
    assert launcher["x"] + 56 == 1280 - 20 and launcher["y"] + 56 == 800 - 20
    open_panel(page)
    panel = _box(page, PANEL)
    assert panel["width"] == 380 and 300 <= panel["height"] <= 600
    assert panel["x"] >= 0 and panel["y"] >= 0 and panel["y"] + panel["height"] <= 800
    textarea = _box(page, INPUT)
    assert textarea["height"] >= 40 and textarea["width"] >= 200
    send = _box(page, SEND)
    assert send["height"] == 42 and send["width"] < 100  # the page's `button` rule does not reach in
    assert page.locator(INPUT).evaluate("e => getComputedStyle(e).fontSize") == "16px"
    ask(page, "When does the ceasefire start?")
    answer = wait_done(page)
    assert answer.locator(".answer").evaluate("e => getComputedStyle(e).fontSize") == "15px"
    chip = answer.locator(".chip").first.bounding_box()
    assert chip is not None and chip["height"] == 20
    opened.shot("08-hostile-host-css")


def test_narrow_viewport_320(open_page: OpenPage) -> None:
    opened = open_page("basic", width=320, height=640)
    page = opened.page
    open_panel(page)
    panel = _box(page, PANEL)
    assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 320, 640)
    ask(page, "When does the ceasefire start?")
    answer = wait_done(page)
    send = _box(page, SEND)
    assert send["x"] + send["width"] <= 320
    overflow = page.locator("accords-chat .log").evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow == 0
    opened.shot("09-narrow-320")
    answer.locator(".chip").first.click()
    passage = page.locator("accords-chat .passage")
    expect(passage.locator("mark")).to_be_visible()
    assert passage.evaluate("e => e.scrollWidth - e.clientWidth") == 0
    page.get_by_role("button", name="Close chat", exact=True).click()
    expect(page.locator(PANEL)).to_be_hidden()


def test_short_viewport_goes_full_screen(open_page: OpenPage) -> None:
    # What a 200% browser zoom on a 1280x800 window looks like in CSS pixels.
    page = open_page("basic", width=640, height=400).page
    open_panel(page)
    panel = _box(page, PANEL)
    assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 640, 400)
    expect(page.locator(INPUT)).to_be_in_viewport()


def test_inline_mode(open_page: OpenPage) -> None:
    opened = open_page("inline")
    page = opened.page
    expect(page.locator("accords-chat")).to_have_count(1)  # no launcher next to the inline chat
    expect(page.locator(LAUNCHER)).to_have_count(0)
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "region")
    expect(panel.locator(".title")).to_have_text("Treaty helper")
    expect(panel).to_contain_text("Hello from the inline chat")
    expect(page.locator(INPUT)).to_have_attribute("placeholder", "Type your treaty question")
    assert page.locator("accords-chat").get_attribute("title") is None  # no tooltip over the panel
    heading = _box(page, "h1")
    box = _box(page, PANEL)
    assert box["y"] > heading["y"] and box["height"] == 560  # in the flow of the page
    ask(page, "When does the ceasefire start?")
    expect(wait_done(page).locator(".chip")).to_have_count(3)
    page.keyboard.press("Escape")  # nothing to close inline
    expect(panel).to_be_visible()
    opened.shot("10-inline")
    assert opened.errors == []


def test_not_found_degraded_and_unsupported(open_page: OpenPage) -> None:
    opened = open_page("basic")
    page = opened.page
    open_panel(page)
    ask(page, "What about the moon?")
    answer = wait_done(page)
    expect(answer).to_have_class("msg bot not-found")
    expect(answer.locator(".label")).to_have_text("Not found in the documents")
    expect(answer.locator(".sources")).to_have_count(0)

    ask(page, "degraded please")
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
    opened.shot("11-not-found-degraded")


def test_custom_attributes_dark_mode_and_isolation(open_page: OpenPage) -> None:
    opened = open_page("custom", color_scheme="dark")
    page = opened.page
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()  # data-open
    expect(panel.locator(".title")).to_have_text("Treaty desk")
    expect(panel).to_contain_text("Welcome to the treaty desk.")
    expect(page.locator(INPUT)).to_have_attribute("placeholder", "What do you want to know?")
    assert page.evaluate(FOCUSED_IN_WIDGET).startswith("outside:")  # data-open does not steal focus
    assert _box(page, LAUNCHER)["x"] == 20  # bottom-left
    assert page.locator(LAUNCHER).evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 125, 56)"
    background = panel.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(27, 30, 35)"  # dark palette
    opened.shot("12-custom-dark")

    bad = open_page("bad-color").page
    expect(bad.locator(LAUNCHER)).to_have_css("background-color", "rgb(31, 95, 191)")  # default kept

    # Nothing leaks: no new globals, host elements styled as without the widget.
    probe = """() => ({
      globals: Object.getOwnPropertyNames(window).sort(),
      button: getComputedStyle(document.querySelector('button.send')).cssText ||
              JSON.stringify([...getComputedStyle(document.querySelector('button.send'))].map(
                  p => getComputedStyle(document.querySelector('button.send')).getPropertyValue(p))),
    })"""
    bare = open_page("bare").page.evaluate(probe)
    basic_page = open_page("basic").page
    expect(basic_page.locator(LAUNCHER)).to_be_visible()
    with_widget = basic_page.evaluate(probe)
    assert set(with_widget["globals"]) - set(bare["globals"]) == set()
    assert with_widget["button"] == bare["button"]
