"""Bad input and a missing store, on /chat and /chat/stream: a 4xx or 503 JSON body that names the problem,
`{"detail": str, "code": str}`, never a 500 and never a stack trace."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.store import StoreUnavailable
from service.http.errors import describe_validation
from tests.service.checks import parse_sse

CHAT_PATHS = ["/chat", "/chat/stream"]
GOOD = {"question": "What is the minimum flow at the Keld gauging station?"}


def assert_error(response: Any, status: int, code: str, *mentions: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"detail", "code"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] == code, body
    for mention in mentions:
        assert mention in body["detail"], body["detail"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


# Each: the JSON body sent, and words the error message must contain (it names the field and the problem).
INVALID_BODIES: dict[str, tuple[object, tuple[str, ...]]] = {
    "empty question": ({"question": ""}, ("question", "at least 1 character")),
    "blank question": ({"question": " \t\n "}, ("question", "blank")),
    "2001 characters": ({"question": "x" * 2001}, ("question", "at most 2000 characters")),
    "no question": ({"top_k": 3}, ("question", "required")),
    "question is a number": ({"question": 5}, ("question", "string")),
    "question is null": ({"question": None}, ("question", "string")),
    "question is a list": ({"question": ["what?"]}, ("question", "string")),
    "top_k is text": ({**GOOD, "top_k": "x"}, ("top_k", "integer")),
    "top_k is 0": ({**GOOD, "top_k": 0}, ("top_k", "greater than or equal to 1")),
    "top_k is 21": ({**GOOD, "top_k": 21}, ("top_k", "less than or equal to 20")),
    "top_k is fractional": ({**GOOD, "top_k": 2.5}, ("top_k", "integer")),
    "unknown field": ({**GOOD, "temperature": 0.2}, ("temperature", "Extra inputs are not permitted")),
    "empty conversation id": ({**GOOD, "conversation_id": ""}, ("conversation_id",)),
    "long conversation id": ({**GOOD, "conversation_id": "c" * 101}, ("conversation_id", "at most 100")),
    "filters not an object": ({**GOOD, "filters": "fact-sheet"}, ("filters", "dictionary")),
    "kind not a list": ({**GOOD, "filters": {"kind": "fact-sheet"}}, ("filters.kind", "list")),
    "kind entries not strings": ({**GOOD, "filters": {"kind": [1]}}, ("filters.kind",)),
    "blank kind": ({**GOOD, "filters": {"kind": [" "]}}, ("filters.kind", "non-blank")),
    "document_id not a list": ({**GOOD, "filters": {"document_id": "x"}}, ("filters.document_id", "list")),
    "impossible date": ({**GOOD, "filters": {"date_from": "2024-13-45"}}, ("filters.date_from", "date")),
    "date not a date": ({**GOOD, "filters": {"date_to": "last week"}}, ("filters.date_to", "date")),
    "date_from after date_to": (
        {**GOOD, "filters": {"date_from": "2024-06-01", "date_to": "2024-01-01"}},
        ("date_from must not be after", "date_to"),
    ),
    "unknown filter": ({**GOOD, "filters": {"country": ["Sarn"]}}, ("filters.country", "Extra inputs")),
    "a list, not an object": ([GOOD], ("body", "dictionary")),
    "a string, not an object": ("What is PGII?", ("body", "dictionary")),
}


@pytest.mark.parametrize("path", CHAT_PATHS)
@pytest.mark.parametrize("case", list(INVALID_BODIES))
def test_invalid_requests_get_a_422_that_names_the_problem(client: TestClient, path: str, case: str) -> None:
    body, mentions = INVALID_BODIES[case]
    assert_error(client.post(path, json=body), 422, "invalid_request", *mentions)


@pytest.mark.parametrize("path", CHAT_PATHS)
@pytest.mark.parametrize(
    ("raw", "mentions"),
    [
        (b'{"question": ', ("not valid JSON", "character 13")),
        (b"{'question': 'single quotes'}", ("not valid JSON",)),
        (b'{"question": "x",}', ("not valid JSON",)),
        (b"", ("body", "required")),
    ],
    ids=["truncated", "single-quotes", "trailing-comma", "empty"],
)
def test_a_body_that_is_not_json_gets_a_4xx(
    client: TestClient, path: str, raw: bytes, mentions: tuple[str]
) -> None:
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert_error(response, 422, "invalid_request", *mentions)


@pytest.mark.parametrize("path", CHAT_PATHS)
def test_undecodable_bytes_get_a_400(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=b'{"question": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("path", CHAT_PATHS)
@pytest.mark.parametrize(
    "send",
    [
        lambda c, p: c.post(p, content=json.dumps(GOOD), headers={"content-type": "text/plain"}),
        lambda c, p: c.post(p, data=GOOD),  # a form
        lambda c, p: c.post(p, files={"question": ("q.txt", b"What is PGII?")}),  # multipart
        lambda c, p: c.post(p, content=json.dumps(GOOD), headers={"content-type": ""}),
        lambda c, p: c.post(p, content=json.dumps(GOOD), headers={"content-type": "application/jsonx"}),
    ],
    ids=["text-plain", "form", "multipart", "no-content-type", "look-alike"],
)
def test_a_body_that_is_not_sent_as_json_gets_a_415(
    client: TestClient, path: str, send: Callable[[TestClient, str], Any]
) -> None:
    assert_error(send(client, path), 415, "unsupported_media_type", "application/json")


@pytest.mark.parametrize("path", CHAT_PATHS)
def test_json_with_a_charset_is_json(client: TestClient, path: str) -> None:
    response = client.post(
        path, content=json.dumps(GOOD).encode(), headers={"content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", CHAT_PATHS)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_get_a_405(client: TestClient, path: str, method: str) -> None:
    assert_error(client.request(method, path), 405, "method_not_allowed")


def test_unknown_paths_get_a_404_json(client: TestClient) -> None:
    assert_error(client.get("/no/such/route"), 404, "not_found")
    assert_error(client.post("/chats", json=GOOD), 404, "not_found")


def test_several_problems_are_all_named(client: TestClient) -> None:
    body = assert_error(client.post("/chat", json={"question": "", "top_k": 0}), 422, "invalid_request")
    assert "question" in body["detail"] and "top_k" in body["detail"]


# --------------------------------------------------------------------------------- store is gone


def _unavailable(*_: object, **__: object) -> object:
    raise StoreUnavailable("the document store is unavailable: ConnectionError: refused")


def test_chat_answers_503_when_the_store_cannot_be_queried(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    monkeypatch.setattr(client.app.state.runtime.store, "nearest", _unavailable)  # type: ignore[attr-defined]
    response = client.post("/chat", json=GOOD)
    body = assert_error(response, 503, "store_unavailable", "unavailable")
    assert "ConnectionError" not in body["detail"]  # the internals stay in the log
    assert response.headers["retry-after"].isdigit()
    monkeypatch.undo()
    assert client.post("/chat", json=GOOD).status_code == 200  # and it recovers by itself


def test_the_stream_reports_a_missing_store_as_an_error_event(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client()
    monkeypatch.setattr(client.app.state.runtime.store, "nearest", _unavailable)  # type: ignore[attr-defined]
    response = client.post("/chat/stream", json=GOOD)
    events = parse_sse(response.text)
    if response.status_code == 200:  # the stream began: the failure is reported in-band
        assert [name for name, _ in events] == ["error"]
        assert "unavailable" in events[0][1]["message"] and "ConnectionError" not in response.text
    else:
        assert_error(response, 503, "store_unavailable")


def test_documents_answer_503_when_the_store_is_gone(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(refresh_interval_s=0)
    store = client.app.state.runtime.store  # type: ignore[attr-defined]
    for method in ("generation", "documents", "document", "document_text"):
        monkeypatch.setattr(store, method, _unavailable)
    assert_error(client.get("/documents"), 503, "store_unavailable")
    assert_error(client.get("/documents/northwater-basin-treaty"), 503, "store_unavailable")
    assert_error(client.get("/documents/northwater-basin-treaty/text"), 503, "store_unavailable")


def test_an_unexpected_failure_is_a_plain_500_without_internals(
    make_client: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client()

    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(client.app.state.runtime.store, "nearest", broken)  # type: ignore[attr-defined]
    response = client.post("/chat", json=GOOD)
    body = assert_error(response, 500, "internal_error")
    assert "secret" not in body["detail"]
    assert "secret internal detail" in caplog.text  # logged with its traceback server-side


def test_describe_validation_joins_every_problem() -> None:
    from fastapi.exceptions import RequestValidationError

    error = RequestValidationError(
        [
            {"type": "missing", "loc": ("body", "question"), "msg": "Field required"},
            {"type": "value_error", "loc": ("query", "limit"), "msg": "Value error, too big"},
            {
                "type": "json_invalid",
                "loc": ("body", 7),
                "msg": "JSON decode error",
                "ctx": {"error": "Oops"},
            },
        ]
    )
    assert describe_validation(error) == (
        "question: Field required; limit: too big; the body is not valid JSON: Oops at character 7"
    )
