"""/docs renders in Chromium from the service alone, under its Content-Security-Policy.

Swagger UI's files come from the service (no CDN: there is no internet at run time), and the page's CSP
allows that and nothing else; this shows the policy is not too strict for the page to work (no
violation is reported, the operations are listed, "Try it out" reaches the API) and that the browser
asked no other origin for anything.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from .conftest import Opened

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(60)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_the_docs_render_offline_under_their_policy(
    open_page: Callable[..., Opened], service_url: str
) -> None:
    console: list[str] = []

    def before(page: object) -> None:
        page.add_init_script(RECORD_VIOLATIONS)  # type: ignore[attr-defined]
        page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)  # type: ignore[attr-defined]

    opened = open_page(f"{service_url}/docs", before_goto=before)
    page = opened.page
    page.locator(".opblock-summary-path", has_text="/chat/stream").first.wait_for()
    assert page.locator(".opblock").count() >= 8
    # Try it out on GET /documents: the request goes to the service and the answer is shown.
    page.locator(".opblock-summary", has_text="/documents").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.click()
    page.locator(".responses-table .response .response-col_status", has_text="200").first.wait_for()
    opened.shot("api-docs")
    assert page.evaluate("window.__violations") == []
    assert not [line for line in console if "Content Security Policy" in line], console
    assert opened.errors == []
    own = urlsplit(service_url).netloc
    assert {urlsplit(r.url).netloc for r in opened.requests if r.url.startswith("http")} == {own}
