"""XSS through the widget, in real Chromium: the service's own `/demo` page asks a question whose answer
quotes a document full of markup (`<img onerror>`, `<script>`, a `javascript:` link, an event-handler
title). The markup must show as text, and no script of it may run."""

from __future__ import annotations

import os
from typing import Any

import pytest

from .builders import HOSTILE_QUESTION
from .conftest import Target
from .tally import TALLY

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
# Everything in the widget's shadow tree that could run script or fetch something, and the canary global.
PROBE = """() => {
  const root = document.querySelector('accords-chat').shadowRoot;
  const all = [...root.querySelectorAll('*')];
  return {img: root.querySelectorAll('img').length, script: root.querySelectorAll('script').length,
          iframe: root.querySelectorAll('iframe').length,
          onattr: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
          jslinks: root.querySelectorAll('a[href^="javascript"]').length, pwned: typeof window.__pwned};
}"""


def record_posts(response: Any) -> None:
    """The widget's questions are the hostile requests here (not the page, script and style loads)."""
    if response.request.method == "POST":
        TALLY.record(f"POST {response.url} (Chromium)", response.status)


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing")
def test_markup_in_a_quoted_document_stays_text(target: Target) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("response", record_posts)
            page.goto(f"{target.url}/demo")
            page.locator("accords-chat .launcher").click()
            page.locator("accords-chat textarea").fill(HOSTILE_QUESTION)
            page.locator("accords-chat textarea").press("Enter")
            answer = page.locator("accords-chat .msg.bot:not(.greeting)").last
            sync_api.expect(answer).to_have_attribute("aria-busy", "false", timeout=30_000)
            sync_api.expect(answer).to_contain_text("<script>window.__pwned=1</script>")  # quoted as text
            sync_api.expect(answer).to_contain_text('<img src=x onerror="window.__pwned=1">')
            answer.hover()  # an injected onmouseover would run now
            answer.locator(".chip").first.click()  # the cited passage, with the document's title and kind
            for part in ("accords-chat .p-title", "accords-chat .p-meta", "accords-chat .p-text"):
                if page.locator(part).first.is_visible():
                    page.locator(part).first.hover()
            page.wait_for_timeout(300)
            probe = page.evaluate(PROBE)
            assert probe == {
                "img": 0,
                "script": 0,
                "iframe": 0,
                "onattr": 0,
                "jslinks": 0,
                "pwned": "undefined",
            }
            assert errors == []
        finally:
            browser.close()
