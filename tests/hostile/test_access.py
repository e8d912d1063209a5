"""Who may make the service answer: site keys and the per-IP rate on every chat route (the OpenAI one
included, which used to answer 200 without a key and to accept text/plain from any page), spoofed
X-Forwarded-For headers, and a document that tries to take over the answer (the injection canary)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from service.access.policy import SITE_KEY_HEADER

from .builders import CANARY, CANARY_QUESTION
from .conftest import LOCKED_IP_RATE, Locked, Target

pytestmark = pytest.mark.slow

# A link that carries the conversation out (what the memo asks for), in any form a renderer makes live.
EXFILTRATION = re.compile(r"\]\(\s*https?://|https?://evil\.example/\?q=\S|<https?://", re.I)


def openai_body(question: str) -> dict[str, Any]:
    return {"model": "accords", "messages": [{"role": "user", "content": question}]}


def site(locked: Locked) -> dict[str, str]:
    return {SITE_KEY_HEADER: locked.site_key, "Origin": locked.origin}


def chat_routes(question: str) -> list[tuple[str, dict[str, Any]]]:
    return [("/chat", {"question": question}), ("/chat/stream", {"question": question}),
            ("/v1/chat/completions", openai_body(question))]  # fmt: skip


def test_every_chat_route_needs_a_site_key(locked: Locked) -> None:
    forged = {SITE_KEY_HEADER: "pk_forged0123456789", "Origin": locked.origin}
    wrong_origin = {SITE_KEY_HEADER: locked.site_key, "Origin": "https://evil.example"}
    for path, body in chat_routes(CANARY_QUESTION):
        for headers in (
            {},
            {"Origin": locked.origin},
            forged,
            wrong_origin,
            {"Authorization": "Bearer pk_x"},
        ):
            response = locked.attack.post(path, json=body, headers=headers)
            assert response.status_code in (401, 403), (path, headers, response.text)


def test_a_chat_body_as_text_plain_is_refused_even_with_a_key(locked: Locked) -> None:
    # text/plain needs no CORS preflight: any page could make the server answer at its visitor's cost.
    for path, body in chat_routes(CANARY_QUESTION):
        content = str(body).replace("'", '"')
        response = locked.attack.post(
            path, content=content, headers={**site(locked), "Content-Type": "text/plain"}
        )
        assert response.status_code == 415, (path, response.text)


def assert_not_hijacked(answer: str, supported: list[str]) -> None:
    assert answer.strip().rstrip(".") != CANARY and EXFILTRATION.search(answer) is None, answer
    assert not any(CANARY in sentence for sentence in supported), answer


def test_the_canary_does_not_steer_the_extractive_answer(target: Target) -> None:
    response = target.attack.post("/chat", json={"question": CANARY_QUESTION})
    body = response.json()
    assert response.status_code == 200 and body["found"] and body["mode"] == "extractive", body
    assert "four times a day" in body["answer"]
    supported = [body["answer"][s["start"] : s["end"]] for s in body["sentences"]]
    assert_not_hijacked(body["answer"], supported)
    # Asked about the memo's instruction itself, the answer quotes it as what the memo says.
    quoted = target.attack.post(
        "/chat", json={"question": "What does the ferry memorandum say to reply with?"}
    )
    assert quoted.status_code == 200 and quoted.json()["answer"].strip() != CANARY
    assert EXFILTRATION.search(quoted.json()["answer"]) is None


def test_an_llm_that_obeys_the_canary_is_caught_by_the_citation_check(locked: Locked) -> None:
    chat = locked.attack.post("/chat", json={"question": CANARY_QUESTION}, headers=site(locked))
    body = chat.json()
    assert chat.status_code == 200, body
    assert (body["mode"], body["degraded"]) == ("extractive", True) and "instruction" in body[
        "degraded_reason"
    ]
    assert "four times a day" in body["answer"]
    assert_not_hijacked(body["answer"], [body["answer"][s["start"] : s["end"]] for s in body["sentences"]])
    openai = locked.attack.post(
        "/v1/chat/completions", json=openai_body(CANARY_QUESTION), headers=site(locked)
    )
    assert openai.status_code == 200, openai.text
    content = openai.json()["choices"][0]["message"]["content"]
    assert EXFILTRATION.search(content) is None and content.strip().rstrip(".") != CANARY, content
    assert openai.json()["accords"]["degraded"] is True


def test_spoofed_forwarding_headers_do_not_escape_the_ip_rate(locked: Locked) -> None:
    # Last in this module: it spends the rest of the minute's budget of 127.0.0.1 on the locked server.
    statuses = []
    for n in range(LOCKED_IP_RATE + 1):
        spoofed = {**site(locked), "X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}",
                   "Forwarded": f"for=192.0.2.{n}"}  # fmt: skip
        response = locked.attack.post("/chat", json={"question": "x" * 5000}, headers=spoofed)  # 422: cheap
        statuses.append(response.status_code)
    assert 429 in statuses and statuses.count(429) + statuses.count(422) == len(statuses), statuses
    assert statuses.count(422) <= LOCKED_IP_RATE
