"""The widget's layout, keyboard use, isolation and embedding modes, against the REAL service, plus the
`/demo` page (which also writes the README screenshot when ACCORDS_README_SCREENSHOT names a file)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Opened
from .helpers import (
    FOCUSED_IN_WIDGET,
    INPUT,
    LAUNCHER,
    PANEL,
    SEND,
    ask,
    box,
    expect,
    open_panel,
    wait_done,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(60)]

OpenPage = Callable[..., Opened]
QUESTION = "What nitrate limit applies to the Northwater River at the border?"


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
    page.keyboard.type("What nitrate limit applies")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("to the Northwater River at the border?")
    two_lines = "What nitrate limit applies\nto the Northwater River at the border?"
    assert page.locator(INPUT).input_value() == two_lines
    page.keyboard.press("Enter")
    expect(page.locator("accords-chat .msg.user .bubble").last).to_have_text(two_lines)
    answer = wait_done(page)
    assert page.locator(INPUT).input_value() == ""
    expect(answer.locator(".chip").first).to_be_visible()
    for _ in range(10):  # back from the input, through the sources, to the answer's citation chip
        page.keyboard.press("Shift+Tab")
        if page.evaluate(FOCUSED_IN_WIDGET) == "chip":
            break
    assert page.evaluate(FOCUSED_IN_WIDGET) == "chip"
    page.keyboard.press("Enter")
    expect(page.locator("accords-chat .passage mark")).to_have_count(1)
    assert page.evaluate(FOCUSED_IN_WIDGET) == "p-title", "the passage's title takes the focus"
    page.keyboard.press("Escape")  # back to the chat, focus back on the chip
    assert page.evaluate(FOCUSED_IN_WIDGET) == "chip"
    page.keyboard.press("Escape")  # closes the panel
    expect(page.locator(PANEL)).to_be_hidden()
    expect(page.locator(LAUNCHER)).to_have_attribute("aria-expanded", "false")
    assert page.evaluate(FOCUSED_IN_WIDGET) == "launcher"
    assert opened.errors == []


def test_hostile_host_css_still_usable(open_page: OpenPage) -> None:
    opened = open_page("hostile-css")
    page = opened.page
    launcher = box(page, LAUNCHER)
    assert launcher["width"] == 56 and launcher["height"] == 56
    assert launcher["x"] + 56 == 1280 - 20 and launcher["y"] + 56 == 800 - 20
    open_panel(page)
    panel = box(page, PANEL)
    assert panel["width"] == 380 and 300 <= panel["height"] <= 600
    assert panel["x"] >= 0 and panel["y"] >= 0 and panel["y"] + panel["height"] <= 800
    textarea = box(page, INPUT)
    assert textarea["height"] >= 40 and textarea["width"] >= 200
    send = box(page, SEND)
    assert send["height"] == 42 and send["width"] < 100  # the page's `button` rule does not reach in
    assert page.locator(INPUT).evaluate("e => getComputedStyle(e).fontSize") == "16px"
    ask(page, QUESTION)
    answer = wait_done(page)
    assert answer.locator(".answer").evaluate("e => getComputedStyle(e).fontSize") == "15px"
    chip = answer.locator(".chip").first.bounding_box()
    assert chip is not None and chip["height"] == 20
    opened.shot("08-hostile-host-css")


def test_narrow_viewport_320(open_page: OpenPage) -> None:
    opened = open_page("basic", width=320, height=640)
    page = opened.page
    open_panel(page)
    panel = box(page, PANEL)
    assert (panel["x"], panel["y"], panel["width"], panel["height"]) == (0, 0, 320, 640)
    ask(page, QUESTION)
    answer = wait_done(page)
    send = box(page, SEND)
    assert send["x"] + send["width"] <= 320
    assert page.locator("accords-chat .log").evaluate("e => e.scrollWidth - e.clientWidth") == 0
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
    panel = box(page, PANEL)
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
    heading = box(page, "h1")
    panel_box = box(page, PANEL)
    assert panel_box["y"] > heading["y"] and panel_box["height"] == 560  # in the flow of the page
    ask(page, QUESTION)
    expect(wait_done(page).locator(".chip").first).to_be_visible()
    page.keyboard.press("Escape")  # nothing to close inline
    expect(panel).to_be_visible()
    opened.shot("10-inline")
    assert opened.errors == []


def test_not_found_looks_different(open_page: OpenPage) -> None:
    opened = open_page("basic")
    page = opened.page
    open_panel(page)
    ask(page, "What is the price of tea on the moon?")  # the real model refuses it
    answer = wait_done(page)
    expect(answer).to_have_class("msg bot not-found")
    expect(answer.locator(".label")).to_have_text("Not found in the documents")
    expect(answer.locator(".answer")).to_contain_text("The closest documents are")
    expect(answer.locator(".answer")).not_to_contain_text(re.compile(r"\[\d+\]"))
    # The closest passages are listed, but not as citations: no "Sources", no chips, a list of their own.
    expect(answer.locator(".sources")).to_have_count(0)
    expect(answer.locator(".chip")).to_have_count(0)
    closest = answer.get_by_role("list", name="Closest passages")
    expect(closest).to_have_count(1)
    expect(answer.locator(".closest-title")).to_have_text("Closest passages")
    expect(answer.locator(".closest .chip")).to_have_count(0)
    expect(closest.get_by_role("listitem").first).to_be_visible()
    expect(closest).not_to_contain_text(re.compile(r"\[\d+\]"))
    muted = answer.locator(".closest-title").evaluate("e => getComputedStyle(e).color")
    assert answer.locator(".closest-open").first.evaluate("e => getComputedStyle(e).color") == muted
    opened.shot("11-not-found")
    first = closest.locator(".closest-open").first
    title = first.inner_text()
    first.click()
    passage = page.locator("accords-chat .passage")
    expect(passage).to_be_visible()
    expect(passage.locator(".p-title")).to_have_text(title)
    expect(passage.locator(".p-note")).to_contain_text("closest passage")
    expect(passage.locator("mark")).to_have_count(0)
    shown = passage.locator(".p-text").inner_text()
    assert shown.strip() and not re.search(r"(?m)^[ \t]*#{1,6}[ \t]", shown), shown  # no heading marks
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED_IN_WIDGET) == "closest-open"
    ask(page, QUESTION)
    expect(wait_done(page)).to_have_class("msg bot")


def test_custom_attributes_dark_mode_and_isolation(open_page: OpenPage) -> None:
    opened = open_page("custom", color_scheme="dark")
    page = opened.page
    panel = page.locator(PANEL)
    expect(panel).to_be_visible()  # data-open
    expect(panel.locator(".title")).to_have_text("Treaty desk")
    expect(panel).to_contain_text("Welcome to the treaty desk.")
    expect(page.locator(INPUT)).to_have_attribute("placeholder", "What do you want to know?")
    assert page.evaluate(FOCUSED_IN_WIDGET).startswith("outside:")  # data-open does not steal focus
    assert box(page, LAUNCHER)["x"] == 20  # bottom-left
    assert page.locator(LAUNCHER).evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(10, 125, 56)"
    assert panel.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(27, 30, 35)"  # dark palette
    opened.shot("12-custom-dark")

    bad = open_page("bad-color")
    expect(bad.page.locator(LAUNCHER)).to_have_css("background-color", "rgb(31, 95, 191)")  # default kept
    assert not any("evil.example" in r.url for r in bad.requests)

    # Nothing leaks: no new globals, host elements styled as without the widget.
    probe = """() => ({
      globals: Object.getOwnPropertyNames(window).sort(),
      button: JSON.stringify([...getComputedStyle(document.querySelector('button.send'))].map(
          p => getComputedStyle(document.querySelector('button.send')).getPropertyValue(p))),
    })"""
    bare = open_page("bare").page.evaluate(probe)
    basic_page = open_page("basic").page
    expect(basic_page.locator(LAUNCHER)).to_be_visible()
    with_widget = basic_page.evaluate(probe)
    assert set(with_widget["globals"]) - set(bare["globals"]) == set()
    assert with_widget["button"] == bare["button"]


def test_demo_page_embeds_like_a_third_party(open_page: OpenPage, service_url: str) -> None:
    """`/demo` on the service itself: same origin, no key (ACCORDS_REQUIRE_SITE_KEY is off by default)."""
    opened = open_page(f"{service_url}/demo", width=1280, height=820)
    page = opened.page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    script = page.locator("script[src$='/widget.js']")
    expect(script).to_have_attribute("src", f"{service_url}/widget.js")
    expect(page.locator("pre")).to_contain_text(f'<script src="{service_url}/widget.js" data-site-key=')
    open_panel(page)
    expect(page.locator(PANEL)).to_have_attribute("aria-label", "Ask the treaties")
    ask(page, QUESTION)
    answer = wait_done(page)
    expect(answer.locator(".chip").first).to_be_visible()
    headers = [r.headers for r in opened.requests if r.url.endswith("/chat/stream")]
    assert "x-accords-site-key" not in headers[0]
    assert not [text for text in console if "Content Security Policy" in text]  # runs under the demo's CSP
    target = os.environ.get("ACCORDS_README_SCREENSHOT")
    if target:
        _readme_screenshot(opened, Path(target))


def _readme_screenshot(opened: Opened, target: Path) -> None:
    """The demo page with the open widget twice, side by side: the answers with their citation chips,
    then the cited passage opened from the last chip (the right half is cut from a second full shot, so
    the page's background runs on)."""
    from PIL import Image

    page = opened.page
    ask(page, "When did the Northwater Basin treaty enter into force?")  # the demo page's suggestion
    expect(wait_done(page).locator(".chip").first).to_be_visible()
    answer_shot, passage_shot = target.with_suffix(".answer.png"), target.with_suffix(".passage.png")
    page.screenshot(path=str(answer_shot))
    page.locator("accords-chat .msg.bot:not(.greeting) .chip").last.click()
    expect(page.locator("accords-chat .passage mark")).to_be_visible()
    page.locator("accords-chat .passage").evaluate("e => { e.scrollTop = 0; }")
    page.screenshot(path=str(passage_shot))
    cut = int(box(page, PANEL)["x"]) - 24
    with Image.open(answer_shot) as left, Image.open(passage_shot) as right:
        combined = Image.new("RGB", (left.width + right.width - cut, left.height), "white")
        combined.paste(left, (0, 0))
        combined.paste(right.crop((cut, 0, right.width, right.height)), (left.width, 0))
        combined.save(target, optimize=True)
    answer_shot.unlink()
    passage_shot.unlink()
