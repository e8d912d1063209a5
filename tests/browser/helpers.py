"""Selectors and small actions shared by the widget's browser tests."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from .conftest import Opened

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=10_000)

LAUNCHER = "accords-chat .launcher"
PANEL = "accords-chat .panel"
INPUT = "accords-chat .composer textarea"
SEND = "accords-chat .send"
BOT = "accords-chat .msg.bot:not(.greeting)"

FOCUSED_IN_WIDGET = """() => {
  const host = document.activeElement;
  if (!host || host.tagName !== 'ACCORDS-CHAT') return 'outside:' + (host ? host.tagName : null);
  const inner = host.shadowRoot.activeElement;
  return inner ? (inner.className || inner.tagName.toLowerCase()) : null;
}"""

# Every element in the widget's shadow tree that could run script or load something.
INERT_PROBE = """() => {
  const root = document.querySelector('accords-chat').shadowRoot;
  const count = s => root.querySelectorAll(s).length;
  return {img: count('img'), script: count('script'), iframe: count('iframe'),
          onattr: [...root.querySelectorAll('*')].filter(e => [...e.attributes]
              .some(a => a.name.startsWith('on'))).length,
          jslinks: count('a[href^="javascript"]'), svg: count('svg:not([aria-hidden])'),
          nonhttp: [...root.querySelectorAll('a')].filter(a => !/^https?:$/.test(a.protocol)).length,
          pwned: typeof window.__pwned};
}"""
INERT = {"img": 0, "script": 0, "iframe": 0, "onattr": 0, "jslinks": 0, "svg": 0, "nonhttp": 0}


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


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} has no box"
    return dict(found)


def throttle(page: Any, bytes_per_second: int) -> None:
    """Slow the page's downloads, so that a real answer visibly streams in."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    conditions = {
        "offline": False,
        "latency": 20,
        "downloadThroughput": bytes_per_second,
        "uploadThroughput": -1,
    }
    cdp.send("Network.emulateNetworkConditions", conditions)
