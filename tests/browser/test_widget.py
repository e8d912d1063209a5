"""The embeddable widget in headless Chromium against the REAL service: asking, citing, the conversation,
hostile document text, refusals and rate limits.

Host pages come from another origin than the service, like a real embed. The answers come from the
real extractive answerer over `samples/` plus the hostile document, so the assertions check structure
(chips, passages, highlights that match the answer) and a few facts of the documents, not exact prose.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from .conftest import Opened
from .helpers import (
    BOT,
    FOCUSED_IN_WIDGET,
    INERT,
    INERT_PROBE,
    LAUNCHER,
    PANEL,
    SEND,
    ask,
    chat_requests,
    expect,
    last_answer,
    open_panel,
    throttle,
    wait_done,
)
from .servers import HOSTILE_QUESTION

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(60)]

OpenPage = Callable[..., Opened]
NITRATES = "What nitrate limit applies to the Northwater River at the border?"
TREATY = "Treaty between the Republic of Aldermere and the Principality of Sarn on the Shared Waters"
_MARKERS = re.compile(r"\[\d+\]")


def _words(text: str) -> str:
    return " ".join(_MARKERS.sub(" ", text).split())


def test_ask_streams_cites_and_opens_the_passage(open_page: OpenPage, service_url: str) -> None:
    opened = open_page("basic")
    page = opened.page
    launcher = page.locator(LAUNCHER)
    expect(launcher).to_have_count(1)  # the snippet is on this page twice
    expect(launcher).to_have_attribute("aria-expanded", "false")
    open_panel(page)
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(PANEL)).to_have_attribute("role", "dialog")
    expect(page.locator(PANEL)).to_have_attribute("aria-label", "Ask the documents")
    expect(page.locator("accords-chat .log")).to_have_attribute("role", "log")
    assert page.evaluate(FOCUSED_IN_WIDGET) == "textarea", "opening the panel focuses the input"

    throttle(page, 6000)  # the real answer arrives in a few ms; slowed down, it visibly streams
    ask(page, NITRATES)
    expect(page.locator(SEND)).to_be_disabled()
    expect(last_answer(page)).to_contain_text("Searching the documents")
    expect(page.locator(f"{BOT}[aria-busy=true] .answer")).to_contain_text("The Parties")
    opened.shot("01-streaming")
    answer = wait_done(page)
    expect(page.locator(SEND)).to_be_enabled()
    expect(answer.locator(".answer")).to_contain_text("concentration of nitrates")
    chips = answer.locator(".chip")
    expect(chips.first).to_have_attribute("aria-label", re.compile(rf"^Source 1: {TREATY}"))
    source = answer.locator(".sources li").first
    expect(source).to_contain_text("2023-11-08")
    original = source.locator("a")
    expect(original).to_have_attribute("href", "https://treaties.example.org/northwater-basin-treaty.pdf")
    expect(original).to_have_attribute("target", "_blank")
    expect(original).to_have_attribute("rel", "noopener noreferrer")
    opened.shot("02-answer")

    cited_sentence = _words(chips.first.evaluate("c => c.closest('.sentence').textContent"))
    chips.first.click()
    passage = page.locator("accords-chat .passage")
    expect(passage).to_be_visible()
    expect(page.locator("accords-chat .log")).to_be_hidden()
    expect(passage.locator(".p-title")).to_contain_text(TREATY)
    mark = passage.locator("mark")
    expect(mark).to_have_count(1)
    assert _words(mark.inner_text()) in cited_sentence, "the highlight is the sentence the answer cites"
    exact = passage.locator("a").nth(1)
    href = exact.get_attribute("href")
    assert href and re.fullmatch(
        rf"{service_url}/documents/northwater-basin-treaty/text\?start=\d+&end=\d+", href
    )
    served = page.request.get(href).json()  # the exact passage, as the service serves it
    shown = passage.locator(".p-text").inner_text()
    # The same text, but for the Markdown heading marks ("### Article 6"), which the widget never shows.
    assert re.sub(r"(?m)^[ \t]*#{1,6}[ \t]+", "", served["text"]) == shown
    assert not re.search(r"(?m)^[ \t]*#", shown)
    opened.shot("03-passage")

    page.locator("accords-chat .back").click()
    expect(page.locator("accords-chat .log")).to_be_visible()
    assert page.evaluate(FOCUSED_IN_WIDGET) == "chip", "Back returns focus to the chip"
    answer.locator(".sources .src-open").first.click()
    expect(passage.locator("mark")).to_have_count(1)
    page.keyboard.press("Escape")  # Esc in the passage view goes back, it does not close
    expect(page.locator("accords-chat .log")).to_be_visible()
    assert opened.errors == []


def test_follow_up_uses_the_conversation(open_page: OpenPage, site_keys: dict[str, str]) -> None:
    opened = open_page("basic")
    page = opened.page
    stored = f"() => JSON.parse(sessionStorage.getItem('accords:{site_keys['main']}:conversation'))"
    open_panel(page)
    ask(page, NITRATES)
    wait_done(page)
    conversation = page.evaluate(stored)
    assert isinstance(conversation, str) and conversation

    ask(page, "How often is it monitored?")  # names no topic: only the conversation says what "it" is
    answer = wait_done(page)
    expect(answer).not_to_have_class(re.compile("not-found"))
    expect(answer.locator(".answer")).to_contain_text("every quarter")
    bodies = chat_requests(opened)
    assert bodies == [
        {"question": NITRATES},
        {"question": "How often is it monitored?", "conversation_id": conversation},
    ]
    assert page.evaluate(stored) == conversation  # the server kept the conversation going
    headers = [r.headers for r in opened.requests if urlsplit(r.url).path == "/chat/stream"]
    assert headers[-1]["x-accords-site-key"] == site_keys["main"]

    page.reload()  # the tab keeps its conversation
    open_panel(page)
    expect(page.locator("accords-chat .msg.user")).to_have_count(2)
    last_answer(page).locator(".sentence", has_text="every quarter").locator(".chip").first.click()
    expect(page.locator("accords-chat .passage mark")).to_contain_text("every quarter")
    page.locator("accords-chat .back").click()

    page.get_by_role("button", name="New chat").click()
    expect(page.locator("accords-chat .msg.user")).to_have_count(0)
    assert page.evaluate(stored) is None
    ask(page, "How often is it monitored?")
    wait_done(page)  # asked afresh: what "it" is, the service no longer knows (the request says so)
    assert "conversation_id" not in chat_requests(opened)[-1]
    assert opened.errors == []


def test_hostile_document_stays_inert(open_page: OpenPage, service_url: str, page_origin: str) -> None:
    opened = open_page("basic")
    page = opened.page
    open_panel(page)
    ask(page, HOSTILE_QUESTION)
    answer = wait_done(page)
    text = answer.locator(".answer")
    expect(text).to_contain_text("within forty-five days")
    for payload in (
        '<img src=x onerror="window.__pwned=1">',
        "<script>window.__pwned=1</script>",
        "[the schedule](javascript:window.__pwned=1)",
        "![seal](http://evil.example/seal.png)",
    ):
        expect(text).to_contain_text(payload)  # quoted as text
    title = '<b onmouseover="window.__pwned=1">annotated</b>'
    expect(answer.locator(".sources li").first).to_contain_text(title)
    opened.shot("04-hostile-answer")

    answer.locator(".chip").first.click()
    passage = page.locator("accords-chat .passage")
    expect(passage.locator(".p-text")).to_contain_text("<script>window.__pwned=1</script>")
    expect(passage.locator("mark")).to_contain_text("within forty-five days")
    expect(passage.locator(".p-meta")).to_contain_text('<iframe src="http://evil.example/frame">')
    expect(passage.locator(".p-meta")).to_contain_text("<svg onload=window.__pwned=1>")
    assert passage.evaluate("e => e.scrollWidth - e.clientWidth") == 0  # the long markup wraps
    hrefs = passage.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs[0] == "https://treaties.example.org/velmora-exchange-protocol"
    assert hrefs[1].startswith(f"{service_url}/documents/velmora-exchange-protocol/text?start=")
    opened.shot("05-hostile-passage")
    for target in ("accords-chat .p-title", "accords-chat .p-meta", "accords-chat .p-text"):
        page.locator(target).hover()  # an injected onmouseover would run now
    page.wait_for_timeout(300)

    inside = page.evaluate(INERT_PROBE)
    assert inside == {**INERT, "pwned": "undefined"}
    allowed = {urlsplit(page_origin).netloc, urlsplit(service_url).netloc}
    hosts = {urlsplit(r.url).netloc for r in opened.requests}
    assert hosts <= allowed, f"requests left the two origins: {hosts - allowed}"
    assert opened.errors == []


def test_origin_not_allowed_shows_refusal(open_page: OpenPage, foreign_origin: str) -> None:
    opened = open_page("basic", foreign=True)
    page = opened.page
    assert page.url.startswith(foreign_origin)
    open_panel(page)
    ask(page, NITRATES)
    answer = wait_done(page)
    expect(answer.locator(".notice.error")).to_have_text("This site is not allowed to use this chat.")
    expect(page.locator(SEND)).to_be_enabled()
    assert any(urlsplit(r.url).path == "/widget/status" for r in opened.requests)
    opened.shot("06-origin-refused")


def test_key_of_another_site_shows_the_server_message(open_page: OpenPage, page_origin: str) -> None:
    page = open_page("blocked-key").page
    open_panel(page)
    ask(page, NITRATES)
    expect(wait_done(page).locator(".notice.error")).to_contain_text("is not allowed on " + page_origin)


def test_rate_limited_key_shows_retry_after(open_page: OpenPage) -> None:
    # The `limited` key (2/minute) was created with `accords keys create` after the service started.
    opened = open_page("limited")
    page = opened.page
    open_panel(page)
    for _ in range(2):
        ask(page, NITRATES)
        expect(wait_done(page).locator(".notice")).to_have_count(0)
    ask(page, NITRATES)
    notice = wait_done(page).locator(".notice.error")
    expect(notice).to_have_text(re.compile(r"^Too many requests — try again in \d+ s$"))
    seconds = int(re.findall(r"\d+", notice.inner_text())[0])
    assert 1 <= seconds <= 60
    refused = [r.response() for r in opened.requests if r.method == "POST"][-1]
    assert refused is not None and refused.status == 429
    assert "Retry-After" in refused.headers["access-control-expose-headers"]
    opened.shot("07-rate-limited")
